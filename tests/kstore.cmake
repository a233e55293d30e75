# kstore: the kiosk's durable sealed store, crash and plaintext tests.
if(NOT WIN32) # fork, SIGKILL, file modes, symbolic links
sk_unit_test(test_kstore ${CMAKE_CURRENT_SOURCE_DIR}/test_kstore.c sk_kstore PkgConfig::SQLITE)
sk_unit_test(test_kstore_crash ${CMAKE_CURRENT_SOURCE_DIR}/test_kstore_crash.c sk_kstore PkgConfig::SQLITE)
set_tests_properties(test_kstore_crash PROPERTIES TIMEOUT 600)
endif()
# The admin PIN's delay after wrong PINs (the clock is passed in: no sleeping).
sk_unit_test(test_kstore_pin ${CMAKE_CURRENT_SOURCE_DIR}/test_kstore_pin.c sk_kstore PkgConfig::SQLITE)
# One process per data folder (DIR/kiosk.lock): refusal with the pid, SIGKILL, recovery.
if(NOT WIN32) # fork + SIGKILL; tests/test_platform.c covers the Windows lock
sk_unit_test(test_kstore_lock ${CMAKE_CURRENT_SOURCE_DIR}/test_kstore_lock.c sk_kstore PkgConfig::SQLITE)
endif()
# survey-kiosk --install / --export as an administrator runs them (real binaries).
add_test(NAME test_kstore_headless
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/kiosk_headless.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
set_tests_properties(test_kstore_headless PROPERTIES TIMEOUT 300
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
