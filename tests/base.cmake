# base: errors and the answers payload model.
sk_unit_test(test_error  ${CMAKE_CURRENT_SOURCE_DIR}/test_error.c  sk_base)
sk_unit_test(test_answers ${CMAKE_CURRENT_SOURCE_DIR}/test_answers.c sk_base)
# UTF-8 well-formedness of text from files other people made (sk/text.h).
sk_unit_test(test_text ${CMAKE_CURRENT_SOURCE_DIR}/test_text.c sk_base)
# Picture headers and the size a picture is drawn at (sk/picture.h); reads
# tests/data/pictures with sk_read_file (crypto).
sk_unit_test(test_picture ${CMAKE_CURRENT_SOURCE_DIR}/test_picture.c sk_base sk_crypto)
