# fuzz: libFuzzer harnesses, one per reader (tests/fuzz/README.md).
# Without SK_FUZZ each harness is linked with a small replay main and ctest
# runs it over its seed corpus and its regression inputs, so the normal build
# and the ASan build check every input that ever crashed.  With SK_FUZZ
# (clang, scripts/fuzz.sh) they are real libFuzzer binaries and no ctest is
# registered for them.
set(_fuzz_dir ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
set(_fuzz_targets
    "xlsx:sk_form" "md:sk_form" "csv:sk_form" "expr:sk_expr" "form:sk_runtime"
    "pack:sk_crypto" "bundle:sk_crypto" "signed:sk_crypto sk_form" "merge:sk_cstore"
    "answers:sk_base")
foreach(_t ${_fuzz_targets})
  string(REPLACE ":" ";" _parts "${_t}")
  list(GET _parts 0 _name)
  list(GET _parts 1 _libs)
  separate_arguments(_libs)
  if(SK_FUZZ)
    add_executable(fuzz_${_name} ${_fuzz_dir}/fuzz_${_name}.c)
    target_link_options(fuzz_${_name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(fuzz_${_name} ${_fuzz_dir}/fuzz_${_name}.c ${_fuzz_dir}/standalone_main.c)
    add_test(NAME fuzz_${_name}
             COMMAND fuzz_${_name} ${_fuzz_dir}/corpus/${_name} ${_fuzz_dir}/regressions/${_name})
  endif()
  target_link_libraries(fuzz_${_name} PRIVATE ${_libs})
endforeach()
