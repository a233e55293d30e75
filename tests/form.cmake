# form: sheet readers, the questionnaire model and its checks.
# The model/check tests (test_form_broken, test_form_golden, the examples and the
# `survey-sync check` e2e test) join when the expression engine lands (issue #2).
set(_form_int ${PROJECT_SOURCE_DIR}/lib/form)
sk_unit_test(test_form_readers ${CMAKE_CURRENT_SOURCE_DIR}/test_form_readers.c sk_form)
target_include_directories(test_form_readers PRIVATE ${_form_int})
