# store: the central store under concurrency and across backends (issue 14),
# end to end through the real survey-sync, survey-kiosk and sync_scenario_kiosk.
#  - test_store_concurrent(_pg): eight merge processes at once, overlapping
#    bundles, into one store that none of them has made yet: every record once.
#  - test_store_roundtrip_pg: merge from a SQLite store into a PostgreSQL store
#    and back: the same status, the same export.  It needs both backends, so it
#    has no SQLite-only variant.
#  - test_store_pg_errors: a wrong password (role sk_pw of the test cluster), status on
#    an empty database, hints that quote the URI; PostgreSQL only.
#  - test_store_pg_diskfull: the server's disk full (53100) during a merge, with the
#    records table on a 16 KiB tmpfs tablespace; needs root to mount it, else it
#    exits 77 and ctest lists it as skipped.
set(_store_args $<TARGET_FILE:survey-sync> $<TARGET_FILE:survey-kiosk>
                $<TARGET_FILE:sync_scenario_kiosk> ${CMAKE_CURRENT_SOURCE_DIR}/data/export/scenario.md)
sk_store_e2e_test(test_store_concurrent 600 store_concurrent.py ${_store_args})
if(PQ_FOUND)
  add_test(NAME test_store_roundtrip_pg
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/store_roundtrip.py ${_store_args})
  set_tests_properties(test_store_roundtrip_pg PROPERTIES TIMEOUT 300
                       ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-pg;SK_TEST_STORE=postgresql")
  sk_pg_test(test_store_roundtrip_pg)
  add_test(NAME test_store_pg_errors
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/store_pg_errors.py $<TARGET_FILE:survey-sync>)
  set_tests_properties(test_store_pg_errors PROPERTIES TIMEOUT 120
                       ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-pg")
  sk_pg_test(test_store_pg_errors)
  add_test(NAME test_store_pg_diskfull
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/store_pg_diskfull.py
                   $<TARGET_FILE:survey-sync> $<TARGET_FILE:test_cstore>)
  set_tests_properties(test_store_pg_diskfull PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
                       ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-pg")
  sk_pg_test(test_store_pg_diskfull)
endif()
