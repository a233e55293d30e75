# form: sheet readers, the questionnaire model and its checks, `survey-sync check`.
set(_form_int ${PROJECT_SOURCE_DIR}/lib/form)
sk_unit_test(test_form_readers ${CMAKE_CURRENT_SOURCE_DIR}/test_form_readers.c sk_form)
target_include_directories(test_form_readers PRIVATE ${_form_int})
sk_unit_test(test_form_broken ${CMAKE_CURRENT_SOURCE_DIR}/test_form_broken.c sk_form)
sk_unit_test(test_form_golden ${CMAKE_CURRENT_SOURCE_DIR}/test_form_golden.c sk_form)
# Every examples/*.xlsx must pass; fails when there are none.
add_test(NAME test_form_examples COMMAND test_form_golden)
set_tests_properties(test_form_examples PROPERTIES ENVIRONMENT "SK_FORM_EXAMPLES=1")
# survey-sync check end to end: exit codes and output lines.
add_test(NAME test_form_check_e2e
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/form_check.py
                 $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms)
# Forms other people wrote: pyxform spellings, ignored and uncollected things, group paths.
sk_unit_test(test_form_compat ${CMAKE_CURRENT_SOURCE_DIR}/test_form_compat.c sk_form)
# The compatibility suite: real and pyxform forms through check and pack (tests/compat/).
add_test(NAME test_form_compat_suite
         COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/compat/compat.py
                 $<TARGET_FILE:survey-sync>)
