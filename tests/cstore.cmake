# cstore: the central store (merge, status, withdraw) and its kill test.
sk_unit_test(test_cstore ${CMAKE_CURRENT_SOURCE_DIR}/test_cstore.c sk_cstore PkgConfig::SQLITE)
if(NOT WIN32) # fork + SIGKILL
sk_unit_test(test_cstore_kill ${CMAKE_CURRENT_SOURCE_DIR}/test_cstore_kill.c sk_cstore
             PkgConfig::SQLITE)
set_tests_properties(test_cstore_kill PROPERTIES TIMEOUT 300)
endif()

# survey-sync merge/status/withdraw end to end, on bundles test_cstore makes;
# on SQLite and on PostgreSQL (test_cstore_sync_cli_pg).
sk_store_e2e_test(test_cstore_sync_cli 600 sync_merge.py
                  $<TARGET_FILE:survey-sync> $<TARGET_FILE:test_cstore>)
# test_cstore's tests with every store on PostgreSQL, and PostgreSQL's own
# (SQLite <-> PostgreSQL merges, open errors, streaming, concurrent merges):
# needs the throwaway cluster (tests/pg.cmake).
if(PQ_FOUND AND NOT WIN32 AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME test_cstore_pg COMMAND test_cstore --pg)
  set_tests_properties(test_cstore_pg PROPERTIES TIMEOUT 600
                       ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp")
  sk_pg_test(test_cstore_pg)
endif()
