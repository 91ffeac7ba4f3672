# Install rules and the Debian package (CPack DEB). Included from the top-level
# CMakeLists.txt; `bash scripts/package.sh` builds the .deb (docs/deploy.md).
#
#   /usr/bin/containment-chamber
#   /lib/systemd/system/containment-chamber.service
#   /etc/containment-chamber/config.yaml          conffile, 0640 root:containment-chamber
#   /usr/share/man/man1/containment-chamber.1.gz
#   /usr/share/doc/containment-chamber/           copyright, changelog.gz
#   /var/lib/containment-chamber                  made by postinst and the unit's StateDirectory;
#                                                 not in the package, so purge never deletes state
set(CC_DEB_DIR ${CMAKE_CURRENT_LIST_DIR})

install(TARGETS containment-chamber RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/containment-chamber.service
        DESTINATION /lib/systemd/system)
install(FILES ${CC_DEB_DIR}/config.yaml DESTINATION /etc/containment-chamber
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
# Debian wants changelog and man page compressed reproducibly (gzip -9n). The
# version has no Debian revision (a native package), so: changelog.gz.
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/deploy)
foreach(f changelog containment-chamber.1)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CC_DEB_DIR}/${f})
  execute_process(COMMAND gzip -9nc ${CC_DEB_DIR}/${f} OUTPUT_FILE ${CMAKE_BINARY_DIR}/deploy/${f}.gz)
endforeach()
install(FILES ${CC_DEB_DIR}/copyright ${CMAKE_BINARY_DIR}/deploy/changelog.gz
        DESTINATION share/doc/containment-chamber)
install(FILES ${CMAKE_BINARY_DIR}/deploy/containment-chamber.1.gz DESTINATION share/man/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME containment-chamber)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # containment-chamber_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Containment Chamber maintainers <maintainers@containment-chamber.dev>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "seal/unseal control plane for an Ethereum validator remote signer")
# The extended description (CPack puts the summary above it).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Containment Chamber keeps the master key of an Ethereum validator remote signer\nsealed: split into Shamir shares wrapped by KMS keys (AWS KMS, PKCS#11 HSMs)\nand optionally by an operator quorum, stored in a state backend (SQLite or\nDynamoDB) that every replica polls. It serves the seal/unseal, status, auth\nand rotation API, Prometheus metrics, and the operator CLI.\n.\nThe example configuration in /etc/containment-chamber uses a local\ndevelopment KMS key file and is for trying the package only.")
# Runtime libraries from the binary's NEEDED entries (dpkg-shlibdeps), plus
# adduser for the system user.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CC_DEB_DIR}/conffiles ${CC_DEB_DIR}/postinst ${CC_DEB_DIR}/prerm ${CC_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
