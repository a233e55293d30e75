# expr: the XLSForm expression engine (table-driven).
sk_unit_test(test_expr ${CMAKE_CURRENT_SOURCE_DIR}/test_expr.c sk_expr)
sk_unit_test(test_expr_regex ${CMAKE_CURRENT_SOURCE_DIR}/test_expr_regex.c sk_expr)
sk_unit_test(test_expr_fn ${CMAKE_CURRENT_SOURCE_DIR}/test_expr_fn.c sk_expr)
# The digest() cases of MD5, SHA-1 and SHA-384 expect a refusal in a build without nettle.
if(TARGET PkgConfig::NETTLE)
  target_compile_definitions(test_expr_fn PRIVATE SK_HAVE_NETTLE=1)
endif()
