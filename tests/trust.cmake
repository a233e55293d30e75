# trust: the formats and the trust model checked from outside.
#  - test_trust_independent_reader: tests/e2e/skformat.py, a reader/writer written
#    in Python from docs/FORMATS.md alone, against the golden vectors, a bundle the
#    real kiosk exported, and a bundle it writes itself that survey-sync merges.
#  - test_trust_attacks: an attacker holding only public material (study.pub, a
#    genuine pack, genuine bundles) against the real survey-sync; every attack has a
#    control showing the same construction is accepted when legitimate.
# Both drive the kiosk through its test hooks and make keys with SK_PWHASH_FAST=1,
# which only a build with -DSK_TEST_HOOKS=ON has.
if(NOT SK_TEST_HOOKS)
  message(STATUS "SK_TEST_HOOKS is OFF: the trust end-to-end tests are not registered")
  return()
endif()
sk_store_e2e_test(test_trust_independent_reader 300 independent_reader.py
            $<TARGET_FILE:survey-sync> $<TARGET_FILE:survey-kiosk> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md ${CMAKE_CURRENT_SOURCE_DIR}/golden/crypto)
sk_store_e2e_test(test_trust_attacks 300 attacks.py
            $<TARGET_FILE:survey-sync> $<TARGET_FILE:survey-kiosk> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
