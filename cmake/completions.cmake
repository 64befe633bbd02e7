# Writes the shell completions with `LAKEBASE completion bash|zsh|fish` into OUT (lakebase.bash,
# _lakebase, lakebase.fish); a failure fails the build.
file(MAKE_DIRECTORY "${OUT}")
set(files bash lakebase.bash zsh _lakebase fish lakebase.fish)
while(files)
  list(POP_FRONT files shell name)
  execute_process(COMMAND "${LAKEBASE}" completion ${shell} OUTPUT_VARIABLE script ERROR_VARIABLE err
    RESULT_VARIABLE rc WORKING_DIRECTORY "${OUT}")
  if(NOT rc EQUAL 0 OR NOT script MATCHES "[^ \t\n]")
    string(STRIP "${err}" err)
    message(FATAL_ERROR "lakebase completion ${shell} failed (exit ${rc}): ${err}")
  endif()
  file(WRITE "${OUT}/${name}" "${script}")
endwhile()
