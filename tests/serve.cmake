# The kiosk side of delivery without a network (outbox, receipts, backoff).
sk_unit_test(test_deliver ${CMAKE_CURRENT_SOURCE_DIR}/test_deliver.c sk_deliver sk_kstore)
# survey-sync serve and the kiosk's delivery (issue 14): end-to-end tests that
# drive the real survey-sync serve, survey-kiosk --deliver and the kiosk's
# delivery thread on loopback.  tests/e2e/serve_*.py, each on SQLite and on
# PostgreSQL (the _pg variants: test_serve_many_pg is 20 kiosks at once into
# one server on PostgreSQL).
set(_serve_args $<TARGET_FILE:survey-sync> $<TARGET_FILE:survey-kiosk>
                $<TARGET_FILE:sync_scenario_kiosk> ${CMAKE_CURRENT_SOURCE_DIR}/data/export/scenario.md)
sk_store_e2e_test(test_serve_deliver 300 serve_deliver.py ${_serve_args})
sk_store_e2e_test(test_serve_limits 300 serve_limits.py ${_serve_args})
sk_store_e2e_test(test_serve_kill 400 serve_kill.py ${_serve_args})
sk_store_e2e_test(test_serve_many 600 serve_many.py ${_serve_args})
sk_store_e2e_test(test_serve_kiosk 300 serve_kiosk.py ${_serve_args})
# Two serve processes on one store, a USB merge beside them (docs/SERVE.md).
sk_store_e2e_test(test_serve_workers 300 serve_workers.py ${_serve_args})
# The kiosk's delivery helper process (survey-kiosk-deliver): started, restarted, ends with its kiosk.
sk_e2e_test(test_serve_kiosk_helper 300 serve_kiosk_helper.py ${_serve_args})
