# base: errors and the answers payload model.
sk_unit_test(test_error  ${CMAKE_CURRENT_SOURCE_DIR}/test_error.c  sk_base)
sk_unit_test(test_answers ${CMAKE_CURRENT_SOURCE_DIR}/test_answers.c sk_base)
