# survey-sync's escaping of untrusted text for the terminal (sync/term.c),
# tested on its own: it needs nothing of the core library.
if(NOT WIN32) # open_memstream
sk_unit_test(test_sync_term ${CMAKE_CURRENT_SOURCE_DIR}/test_term.c)
target_sources(test_sync_term PRIVATE ${PROJECT_SOURCE_DIR}/sync/term.c)
target_include_directories(test_sync_term PRIVATE ${PROJECT_SOURCE_DIR}/sync)
endif()
