# expr: the XLSForm expression engine (table-driven).
sk_unit_test(test_expr ${CMAKE_CURRENT_SOURCE_DIR}/test_expr.c sk_expr)
sk_unit_test(test_expr_regex ${CMAKE_CURRENT_SOURCE_DIR}/test_expr_regex.c sk_expr)
sk_unit_test(test_expr_fn ${CMAKE_CURRENT_SOURCE_DIR}/test_expr_fn.c sk_expr)
