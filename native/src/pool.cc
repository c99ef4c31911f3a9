#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace verdict {
namespace {

thread_local bool tl_in_task = false;

class Pool {
 public:
  explicit Pool(int nthreads) { start(nthreads); }
  ~Pool() { stop(); }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int nthreads) {
    std::lock_guard<std::mutex> busy(dispatch_);
    stop();
    start(nthreads);
  }

  // Completion is counted in tasks, not in workers: the caller returns as soon as every task has
  // run, so a worker that is slow to wake (sleeping, or descheduled because another process holds
  // the core) costs nothing -- the caller simply runs the tasks itself. A worker enters a job only
  // while it is open (entered_/open_ handshake), so it never touches a job whose caller returned.
  void run(int ntasks, const std::function<void(int)>& f) {
    if (ntasks <= 0) return;
    if (tl_in_task) {  // nested call from inside a task: run serially (never re-lock dispatch_)
      for (int i = 0; i < ntasks; i++) f(i);
      return;
    }
    std::unique_lock<std::mutex> busy(dispatch_, std::try_to_lock);
    if (ntasks == 1 || workers_.empty() || !busy.owns_lock()) {
      for (int i = 0; i < ntasks; i++) f(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &f;
      ntasks_ = ntasks;
      next_.store(0, std::memory_order_relaxed);
      done_.store(0, std::memory_order_relaxed);
      open_.store(true, std::memory_order_seq_cst);
      generation_.fetch_add(1, std::memory_order_release);
    }
    if (sleepers_.load(std::memory_order_acquire) > 0) cv_.notify_all();
    work(f, ntasks);
    // Wait for tasks other threads took: spin briefly, then block.
    auto t0 = std::chrono::steady_clock::now();
    while (done_.load(std::memory_order_acquire) != ntasks) {
      if (std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(50)) {
        std::unique_lock<std::mutex> lk(m_);
        done_cv_.wait(lk, [&] { return done_.load(std::memory_order_acquire) == ntasks; });
        break;
      }
    }
    // Close the job, then wait for workers still inside it (they find no task left and leave).
    open_.store(false, std::memory_order_seq_cst);
    while (entered_.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
    job_ = nullptr;
  }

 private:
  void work(const std::function<void(int)>& f, int ntasks) {
    for (;;) {
      int i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= ntasks) break;
      tl_in_task = true;
      f(i);
      tl_in_task = false;
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == ntasks) {
        std::lock_guard<std::mutex> lk(m_);
        done_cv_.notify_one();
      }
    }
  }

  void start(int nthreads) {
    quit_ = false;
    // A worker must start from the generation current now: reading it inside the new thread
    // could miss a job published before the thread got to run.
    uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int t = 1; t < nthreads; t++) workers_.emplace_back([this, gen] { loop(gen); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void loop(uint64_t seen) {
    for (;;) {
      // Spin a little for back-to-back kernel calls, then sleep on the condition variable.
      auto t0 = std::chrono::steady_clock::now();
      while (generation_.load(std::memory_order_acquire) == seen &&
             std::chrono::steady_clock::now() - t0 < std::chrono::microseconds(kSpinMicros)) {
      }
      {
        std::unique_lock<std::mutex> lk(m_);
        if (generation_.load(std::memory_order_acquire) == seen) {
          sleepers_.fetch_add(1, std::memory_order_acq_rel);
          cv_.wait(lk, [&] { return generation_.load(std::memory_order_acquire) != seen; });
          sleepers_.fetch_sub(1, std::memory_order_acq_rel);
        }
        seen = generation_.load(std::memory_order_acquire);
        if (quit_) return;
      }
      entered_.fetch_add(1, std::memory_order_seq_cst);
      if (open_.load(std::memory_order_seq_cst)) work(*job_, ntasks_);
      entered_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  // How long an idle worker spins before sleeping: covers the gaps between the kernel calls of
  // one training or decoding step (JavaScript runs between them).
  static constexpr int kSpinMicros = 100;

  std::vector<std::thread> workers_;
  std::mutex dispatch_;
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int ntasks_ = 0;
  bool quit_ = false;
  std::atomic<int> next_{0};
  std::atomic<int> done_{0};
  std::atomic<int> entered_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> open_{false};
  std::atomic<uint64_t> generation_{0};
};

int default_threads() {
  const char* env = std::getenv("VERDICT_THREADS");
  if (env && *env) {
    int n = std::atoi(env);
    if (n >= 1 && n <= 256) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

std::mutex g_pool_mutex;
Pool* g_pool = nullptr;

Pool& pool() {
  std::lock_guard<std::mutex> lk(g_pool_mutex);
  if (!g_pool) g_pool = new Pool(default_threads());
  return *g_pool;
}

}  // namespace

int pool_threads() { return pool().threads(); }

void pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > 256) n = 256;
  pool().resize(n);
}

void pool_shutdown() {
  std::lock_guard<std::mutex> lk(g_pool_mutex);
  delete g_pool;
  g_pool = nullptr;
}

void parallel_for(int ntasks, const std::function<void(int)>& f) { pool().run(ntasks, f); }

void parallel_range(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t chunks = n / grain;
  int64_t nt = pool_threads();
  if (chunks > nt) chunks = nt;
  if (chunks <= 1) {
    f(0, n);
    return;
  }
  parallel_for(static_cast<int>(chunks), [&](int c) {
    int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    f(b, e);
  });
}

}  // namespace verdict
