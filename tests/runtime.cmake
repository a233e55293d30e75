# runtime: a form being filled in (skip logic, calculations, checks, paging).
sk_unit_test(test_runtime ${CMAKE_CURRENT_SOURCE_DIR}/test_runtime.c sk_runtime)
