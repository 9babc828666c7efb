# `cmake --install` puts the libraries, the public headers and a package config so that a
# host can `find_package(jetstrand CONFIG)` and link `jetstrand::engine` / `jetstrand::net`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS jetstrand_engine jetstrand_backup jetstrand_net EXPORT jetstrandTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY engine/include/ backup/include/ net/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} OPTIONAL)
if(TARGET jetstrand)
  install(TARGETS jetstrand RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT jetstrandTargets NAMESPACE jetstrand::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/jetstrand)
configure_package_config_file(cmake/jetstrandConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/jetstrandConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/jetstrand)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/jetstrandConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/jetstrandConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/jetstrandConfigVersion.cmake
  cmake/JetstrandDependencies.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/jetstrand)
