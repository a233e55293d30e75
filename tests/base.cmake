# base: errors and the answers payload model.
sk_unit_test(test_error  ${CMAKE_CURRENT_SOURCE_DIR}/test_error.c  sk_base)
sk_unit_test(test_answers ${CMAKE_CURRENT_SOURCE_DIR}/test_answers.c sk_base)
# UTF-8 well-formedness of text from files other people made (sk/text.h).
sk_unit_test(test_text ${CMAKE_CURRENT_SOURCE_DIR}/test_text.c sk_base)
