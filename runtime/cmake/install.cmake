# Install: the host, the libraries with their SONAME links, the public
# headers, pkg-config files and a CMake package (the bundled plugins are
# installed by plugins/CMakeLists.txt). Installed files find each other by
# relative paths ($ORIGIN run paths, ${pcfiledir}, the package's own
# folder), so an installed tree keeps working when it is moved.
include(CMakePackageConfigHelpers)

set_target_properties(steady PROPERTIES
  INSTALL_RPATH "$ORIGIN/${STEADY_BIN_TO_LIB}")
set_target_properties(steady_runtime steady_testing PROPERTIES
  INSTALL_RPATH "$ORIGIN")
set_target_properties(steady_lib PROPERTIES EXPORT_NAME steady)
set_target_properties(steady_testing PROPERTIES EXPORT_NAME testing)
set_target_properties(steady_runtime PROPERTIES EXPORT_NAME runtime)

install(TARGETS steady RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
file(RELATIVE_PATH STEADY_LIBEXEC_TO_LIB /${CMAKE_INSTALL_LIBEXECDIR}/steady
     /${CMAKE_INSTALL_LIBDIR})
set_target_properties(steady-plugin-scanner PROPERTIES
  INSTALL_RPATH "$ORIGIN/${STEADY_LIBEXEC_TO_LIB}")
install(TARGETS steady-plugin-scanner
  RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/steady)
install(TARGETS steady_lib steady_runtime steady_testing
  EXPORT steadyTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/steady
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(STEADY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/steady)
install(EXPORT steadyTargets NAMESPACE steady::
  DESTINATION ${STEADY_CMAKE_DIR})
configure_package_config_file(
  ${CMAKE_CURRENT_SOURCE_DIR}/cmake/steadyConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/steadyConfig.cmake
  INSTALL_DESTINATION ${STEADY_CMAKE_DIR}
  PATH_VARS STEADY_PLUGIN_INSTALL_DIR CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/steadyConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/steadyConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/steadyConfigVersion.cmake
  DESTINATION ${STEADY_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own folder.
foreach(pc steady steady-testing steady-runtime)
  configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/${pc}.pc.in
                 ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
