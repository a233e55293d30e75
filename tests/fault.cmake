# fault: a disk that fills up (LD_PRELOAD of tests/fault/enospc.c into the real
# binaries): keygen, pack, export to a stick, install, a sitting and a merge.
if(WIN32) # LD_PRELOAD
  return()
endif()
add_library(sk_enospc MODULE ${CMAKE_CURRENT_SOURCE_DIR}/fault/enospc.c)
target_link_libraries(sk_enospc PRIVATE ${CMAKE_DL_LIBS})
# It drives the kiosk through its test hooks (-DSK_TEST_HOOKS=ON) for the sitting.
if(NOT SK_TEST_HOOKS)
  message(STATUS "SK_TEST_HOOKS is OFF: the full-disk test is not registered")
  return()
endif()
# SQLite only: it fills the disk under the central.db file; a PostgreSQL store's
# disk is the database server's, which LD_PRELOAD into survey-sync cannot fill.
add_test(NAME test_disk_full
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/disk_full.py
                 $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> $<TARGET_FILE:sk_enospc>
                 ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
set_tests_properties(test_disk_full PROPERTIES TIMEOUT 300
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SDL_VIDEODRIVER=offscreen")
