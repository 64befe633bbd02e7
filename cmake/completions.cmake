# Writes the shell completions with `LAKEBASE completion bash|zsh|fish` into OUT (lakebase.bash,
# _lakebase, lakebase.fish). A binary without the command (it tries to run a script called
# `completion` and fails) gets none: a message says so and the install skips them.
file(MAKE_DIRECTORY "${OUT}")
set(files bash lakebase.bash zsh _lakebase fish lakebase.fish)
while(files)
  list(POP_FRONT files shell name)
  execute_process(COMMAND "${LAKEBASE}" completion ${shell} OUTPUT_VARIABLE script ERROR_VARIABLE err
    RESULT_VARIABLE rc WORKING_DIRECTORY "${OUT}")
  if(rc EQUAL 0 AND script MATCHES "[^ \t\n]")
    file(WRITE "${OUT}/${name}" "${script}")
  else()
    file(REMOVE "${OUT}/${name}")
    string(STRIP "${err}" err)
    message(STATUS "lakebase completion ${shell} is not available (${err}): no ${shell} completion installed")
  endif()
endwhile()
