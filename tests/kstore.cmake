# kstore: the kiosk's durable sealed store, crash and plaintext tests.
sk_unit_test(test_kstore ${CMAKE_CURRENT_SOURCE_DIR}/test_kstore.c sk_kstore PkgConfig::SQLITE)
sk_unit_test(test_kstore_crash ${CMAKE_CURRENT_SOURCE_DIR}/test_kstore_crash.c sk_kstore PkgConfig::SQLITE)
set_tests_properties(test_kstore_crash PROPERTIES TIMEOUT 600)
