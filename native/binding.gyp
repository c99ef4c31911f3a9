{
  "targets": [
    {
      "target_name": "verdict_kernels",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/ops.cc", "src/pool.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2", "-O1", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O1", "-O0"],
      "cflags": ["-O3", "-march=native", "-fno-math-errno"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fexceptions", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-march=native"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/O2", "/arch:AVX2"] } }
    }
  ]
}
