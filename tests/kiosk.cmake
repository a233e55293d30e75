# kiosk: the SDL-free logic of survey-kiosk (palette contrast, line breaking,
# removable-media discovery).  The end-to-end kiosk tests are in their own fragment.
sk_unit_test(test_kiosk_theme ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_theme.c kiosk_logic)
sk_unit_test(test_kiosk_wrap  ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_wrap.c  kiosk_logic)
sk_unit_test(test_kiosk_media ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_media.c kiosk_logic)

# The end-to-end tests below drive the kiosk through its test hooks (UI map,
# input file), which only a build with -DSK_TEST_HOOKS=ON has.
if(NOT SK_TEST_HOOKS)
  message(STATUS "SK_TEST_HOOKS is OFF: the kiosk's end-to-end tests are not registered")
  return()
endif()
# The kiosk end to end: real survey-kiosk under SDL's offscreen driver, driven
# through SURVEY_KIOSK_INPUT, checked through SURVEY_KIOSK_UIMAP, then the records
# exported, merged and opened with the study key by the real survey-sync.
add_test(NAME test_kiosk_flows
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/kiosk_flows.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
set_tests_properties(test_kiosk_flows PROPERTIES TIMEOUT 600
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
# Every example questionnaire completed in every language on the real kiosk,
# touch targets audited on each screen, answers checked in the exported CSV.
add_test(NAME test_kiosk_examples
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/kiosk_examples.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${PROJECT_SOURCE_DIR}/examples)
set_tests_properties(test_kiosk_examples PROPERTIES TIMEOUT 900
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
# Kiosk mode and the admin menu: PIN, counts, label, USB install and export.
add_test(NAME test_kiosk_admin
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/kiosk_admin.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
set_tests_properties(test_kiosk_admin PROPERTIES TIMEOUT 600
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
# Security rules on the real binary: set-up screen in kiosk mode without a PIN,
# --set-pin (pty and pipe), the PIN delay across a restart, file modes, a hostile
# USB stick (FIFO, link), the device fingerprint on the admin screen.
add_test(NAME test_kiosk_security
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/kiosk_security.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
set_tests_properties(test_kiosk_security PROPERTIES TIMEOUT 600
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
# One kiosk per data folder (a second kiosk, --export and --install refused
# with the holder's pid; SIGKILL leaves no stale lock) and the kiosk's own
# timeouts: thank-you / declined screens, an idle timeout below 15 s.
add_test(NAME test_kiosk_lock
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/kiosk_lock.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
set_tests_properties(test_kiosk_lock PROPERTIES TIMEOUT 600
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
# Long and limited free text (issue 15): typed, IME, on-screen keyboard and
# pasted text at and over a form's string-length limit and the 10,000 default,
# refused whole, stored exactly as shown (checked in the exported CSV).
add_test(NAME test_kiosk_text
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/kiosk_text.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_text.md)
set_tests_properties(test_kiosk_text PROPERTIES TIMEOUT 600
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
