# Installing and packaging: what `cmake --install` puts where a distribution expects it, and the
# .deb CPack makes. Everything beside the binary is generated at build time by the binary itself,
# so it never drifts from it: the manual page from --help (cmake/manpage.lua), the shell
# completions from `lakebase completion SHELL`, the LuaLS definitions from `lakebase types`.
include(GNUInstallDirs)

set(LB_GEN "${CMAKE_BINARY_DIR}/generated")

# The manual page, from the help of the program and of each command.
add_custom_command(
  OUTPUT "${LB_GEN}/lakebase.1.gz"
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${LB_GEN}"
  COMMAND "$<TARGET_FILE:lakebase>" run "${CMAKE_SOURCE_DIR}/cmake/manpage.lua" "$<TARGET_FILE:lakebase>" "${LB_GEN}/lakebase.1"
  COMMAND gzip -9nf "${LB_GEN}/lakebase.1"
  DEPENDS lakebase "${CMAKE_SOURCE_DIR}/cmake/manpage.lua"
  COMMENT "Writing lakebase.1 from lakebase --help")

# The type definitions for the Lua language server.
add_custom_command(
  OUTPUT "${LB_GEN}/types/lakebase.lua" "${LB_GEN}/types/resources.lua"
  COMMAND "$<TARGET_FILE:lakebase>" types "${LB_GEN}/types" --no-luarc
  DEPENDS lakebase
  COMMENT "Writing the LuaLS type definitions")

# Shell completions. Until the binary has a `completion` command (it comes with the ergonomics
# work), cmake/completions.cmake says so and writes none, and the install skips them.
add_custom_command(
  OUTPUT "${LB_GEN}/completions.stamp"
  COMMAND "${CMAKE_COMMAND}" -DLAKEBASE=$<TARGET_FILE:lakebase> -DOUT=${LB_GEN}/completions
    -P "${CMAKE_SOURCE_DIR}/cmake/completions.cmake"
  COMMAND "${CMAKE_COMMAND}" -E touch "${LB_GEN}/completions.stamp"
  DEPENDS lakebase "${CMAKE_SOURCE_DIR}/cmake/completions.cmake"
  COMMENT "Writing shell completions with lakebase completion")

add_custom_target(lakebase_generated ALL DEPENDS
  "${LB_GEN}/lakebase.1.gz" "${LB_GEN}/types/lakebase.lua" "${LB_GEN}/completions.stamp")

install(FILES "${LB_GEN}/lakebase.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES "${LB_GEN}/types/lakebase.lua" "${LB_GEN}/types/resources.lua"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/lakebase/types")
# Each completion where its shell looks for it, when it was written (see above).
foreach(entry "lakebase.bash;bash-completion/completions;lakebase" "_lakebase;zsh/site-functions;_lakebase"
    "lakebase.fish;fish/vendor_completions.d;lakebase.fish")
  list(GET entry 0 file)
  list(GET entry 1 dir)
  list(GET entry 2 name)
  install(CODE "if(EXISTS \"${LB_GEN}/completions/${file}\")
    file(INSTALL \"${LB_GEN}/completions/${file}\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/${dir}\" RENAME ${name})
  endif()")
endforeach()

# The Debian package. Depends: the packages of the libraries the binary links, as dpkg-shlibdeps
# finds them (libc6, liblua5.4-0, and the sanitizers' runtimes in a sanitizer build), and of those
# it opens with dlopen on first use (curl, libpq, libedit, OpenSSL; src/dynlib.c), found by asking
# dpkg which package owns each SONAME the build recorded; Recommends: what --local, psql and
# HTTPS use (PostgreSQL's server and client, the openssl command, CA certificates).
function(lb_deb_package var soname fallback)
  set(pkg "${fallback}")
  find_program(DPKG_QUERY dpkg-query)
  find_library(lib_${var} NAMES "${soname}" NO_CACHE)
  if(DPKG_QUERY AND lib_${var})
    # dpkg knows a file by the path its package shipped it at: the one found, or where it leads.
    file(REAL_PATH "${lib_${var}}" real)
    foreach(path "${lib_${var}}" "${real}")
      execute_process(COMMAND "${DPKG_QUERY}" -S "${path}" OUTPUT_VARIABLE owner RESULT_VARIABLE rc ERROR_QUIET)
      if(rc EQUAL 0 AND owner MATCHES "^([^:, ]+)")
        set(pkg "${CMAKE_MATCH_1}")
        break()
      endif()
    endforeach()
  endif()
  set(${var} "${pkg}" PARENT_SCOPE)
endfunction()
lb_deb_package(DEB_CURL "${LIBCURL_SONAME}" libcurl4)
lb_deb_package(DEB_PQ "${LIBPQ_SONAME}" libpq5)
lb_deb_package(DEB_EDIT "${LIBEDIT_SONAME}" libedit2)
lb_deb_package(DEB_SSL "${LIBSSL_SONAME}" libssl3)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lakebase)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "lakebase maintainers <lakebase@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "script Databricks Lakebase Autoscaling in Lua")
set(CPACK_PACKAGE_DESCRIPTION "One small program embedding Lua 5.4 that automates Databricks Lakebase
Autoscaling with scripts, commands shaped like the Databricks CLI's, a REPL, recipes and a local
emulator whose computes are real PostgreSQL servers.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${DEB_CURL}, ${DEB_PQ}, ${DEB_EDIT}, ${DEB_SSL}")
find_program(DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  lb_soname(LIBLUA_SONAME LUA)
  lb_deb_package(DEB_LUA "${LIBLUA_SONAME}" liblua5.4-0)
  message(STATUS "dpkg-shlibdeps (dpkg-dev) not found: the .deb depends on libc6 and ${DEB_LUA} unversioned")
  string(PREPEND CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, ${DEB_LUA}, ")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql, postgresql-client, openssl, ca-certificates")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
