# pg: the throwaway PostgreSQL cluster the central store's tests on PostgreSQL share.
#
# The ctest fixture `pg_cluster`: the setup test pg_cluster_start runs
# scripts/pg-test-cluster.sh start ${CMAKE_BINARY_DIR}/pg, which writes the libpq URI
# of the cluster's maintenance database (superuser `sk`) to ${CMAKE_BINARY_DIR}/pg/url;
# the cleanup test pg_cluster_stop stops it and deletes the folder.  When the
# environment variable SK_TEST_PG holds a URI when ctest runs, that server is used
# instead: the setup writes SK_TEST_PG to the url file and starts nothing, and the
# cleanup stops nothing.
#
# A test on PostgreSQL reads the URI from env SK_TEST_PG when set, else from the file
# named by env SK_TEST_PG_URL_FILE (= ${CMAKE_BINARY_DIR}/pg/url), creates its own
# database there under a unique name and drops it at the end.
#
#   sk_pg_test(TEST...)   makes the tests already added (add_test, sk_unit_test,
#                         sk_e2e_test) require the cluster and gives them
#                         SK_TEST_PG_URL_FILE.
#
# tests/CMakeLists.txt includes this file before the other fragments (so any
# fragment may call sk_pg_test); include_guard makes the glob's second include a no-op.
#
# The socket lives in ${CMAKE_BINARY_DIR}/pg: its path must stay under 107 bytes.
# Cross builds (Windows under Wine, arm64 under qemu) have no PostgreSQL: there
# sk_pg_test marks its tests DISABLED, which ctest lists as such (not as passed).
include_guard(GLOBAL)
if(WIN32 OR CMAKE_CROSSCOMPILING)
  function(sk_pg_test)
    set_tests_properties(${ARGN} PROPERTIES DISABLED TRUE)
  endfunction()
  return()
endif()
set(SK_PG_DIR ${CMAKE_BINARY_DIR}/pg)
add_test(NAME pg_cluster_start
         COMMAND /bin/sh -c "if [ -n \"\${SK_TEST_PG:-}\" ]; then mkdir -p '${SK_PG_DIR}' && printf '%s\\n' \"$SK_TEST_PG\" >'${SK_PG_DIR}/url'; else exec '${PROJECT_SOURCE_DIR}/scripts/pg-test-cluster.sh' start '${SK_PG_DIR}'; fi")
add_test(NAME pg_cluster_stop
         COMMAND /bin/sh -c "if [ -z \"\${SK_TEST_PG:-}\" ]; then exec '${PROJECT_SOURCE_DIR}/scripts/pg-test-cluster.sh' stop '${SK_PG_DIR}'; else rm -f '${SK_PG_DIR}/url'; fi")
set_tests_properties(pg_cluster_start PROPERTIES FIXTURES_SETUP pg_cluster TIMEOUT 120)
set_tests_properties(pg_cluster_stop PROPERTIES FIXTURES_CLEANUP pg_cluster TIMEOUT 120)

function(sk_pg_test)
  foreach(t ${ARGN})
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED pg_cluster)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT "SK_TEST_PG_URL_FILE=${SK_PG_DIR}/url")
  endforeach()
endfunction()

# The fixture itself: the cluster answers on the URI it wrote.
find_program(SK_PSQL psql)
if(SK_PSQL)
  add_test(NAME test_pg_cluster
           COMMAND /bin/sh -c "url=\${SK_TEST_PG:-$(cat \"\$SK_TEST_PG_URL_FILE\")} && test \"$('${SK_PSQL}' -XAtc 'select 41+1' \"\$url\")\" = 42")
  sk_pg_test(test_pg_cluster)
endif()
