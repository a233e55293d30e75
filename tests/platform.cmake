# platform: lib/base/platform.h (POSIX here; Windows under Wine, scripts/test-windows.sh).
sk_unit_test(test_platform ${CMAKE_CURRENT_SOURCE_DIR}/test_platform.c sk_crypto sk_base)
