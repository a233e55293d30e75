# crypto: study keys, withdrawal codes, records, packs, bundles; survey-sync keygen/pack/inspect.
sk_unit_test(test_crypto_keys   ${CMAKE_CURRENT_SOURCE_DIR}/test_crypto_keys.c   sk_crypto)
sk_unit_test(test_crypto_record ${CMAKE_CURRENT_SOURCE_DIR}/test_crypto_record.c sk_crypto)
sk_unit_test(test_crypto_pack   ${CMAKE_CURRENT_SOURCE_DIR}/test_crypto_pack.c   sk_crypto)
sk_unit_test(test_crypto_bundle ${CMAKE_CURRENT_SOURCE_DIR}/test_crypto_bundle.c sk_crypto)
sk_unit_test(test_crypto_receipt ${CMAKE_CURRENT_SOURCE_DIR}/test_crypto_receipt.c sk_crypto)
# keygen, pack and inspect end to end, driving the real binary.
add_test(NAME test_crypto_sync_e2e
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/sync_keys.py
                 $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms)
set_tests_properties(test_crypto_sync_e2e PROPERTIES
                     ENVIRONMENT "SK_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp;SK_PWHASH_FAST=1")
