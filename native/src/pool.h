// Persistent thread pool: threads are created once and reused by every kernel call.
#pragma once
#include <cstdint>
#include <functional>

namespace verdict {

// Number of threads kernels may use (including the calling thread). Set from VERDICT_THREADS
// (default: hardware concurrency) when the pool is first used.
int pool_threads();
void pool_set_threads(int n);
void pool_shutdown();

// Runs f(i) for i in [0, ntasks), spread over the pool; the calling thread takes part.
// Tasks are handed out dynamically. Runs serially when ntasks <= 1, when the pool has one
// thread, or when another JS thread is already using the pool.
void parallel_for(int ntasks, const std::function<void(int)>& f);

// Splits [0, n) into at most `pool_threads()` contiguous chunks of at least `grain` items and runs
// f(begin, end) on each chunk (serially when n < 2 * grain).
void parallel_range(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

}  // namespace verdict
