# What the Debian package holds (docs/packaging.md) and how `make deb` builds it with CPack: the
# program, the systemd units, a commented settings file per daemon in /etc/sixfour (conffiles),
# the man pages, bash and zsh completion, the sysusers.d user, the Grafana dashboard.
# Generated from the built program, so that none of them can drift from it:
#   package/man/*.{1,8}(.gz)   scripts/manpages: help2man on each command's --help
#   package/etc/*.toml         `sixfour DAEMON --print-commented-config`
set(PKG_OUT ${CMAKE_BINARY_DIR}/package)
set(SIXFOUR_DAEMONS nat64 siit dns64 socks gateway clat)

# Man pages: sixfour(1), sixfour-doctor(1), the daemons' and the lab's (8).
find_program(SIXFOUR_HELP2MAN help2man)
if(SIXFOUR_HELP2MAN)
  set(MAN_PAGES sixfour.1 sixfour-doctor.1 sixfour-lab.8)
  foreach(d ${SIXFOUR_DAEMONS})
    list(APPEND MAN_PAGES sixfour-${d}.8)
  endforeach()
  set(MAN_FILES)
  foreach(p ${MAN_PAGES})
    list(APPEND MAN_FILES ${PKG_OUT}/man/${p} ${PKG_OUT}/man/${p}.gz)
  endforeach()
  file(GLOB MAN_INCLUDES CONFIGURE_DEPENDS packaging/man/*.h2m)
  add_custom_command(OUTPUT ${MAN_FILES}
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/manpages $<TARGET_FILE:sixfour> ${PKG_OUT}/man
    DEPENDS sixfour ${CMAKE_SOURCE_DIR}/scripts/manpages ${MAN_INCLUDES}
    COMMENT "man pages from --help (help2man)" VERBATIM)
  add_custom_target(sixfour_man ALL DEPENDS ${MAN_FILES})
else()
  message(STATUS "sixfour: no help2man, no man pages (scripts/setup installs it)")
endif()

# /etc/sixfour: one commented file per daemon; the template units' (nat64@, siit@) as NAME-example.
set(ETC_FILES)
foreach(d ${SIXFOUR_DAEMONS})
  if(d STREQUAL "nat64" OR d STREQUAL "siit")
    set(f ${PKG_OUT}/etc/${d}-example.toml)
  else()
    set(f ${PKG_OUT}/etc/${d}.toml)
  endif()
  add_custom_command(OUTPUT ${f}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PKG_OUT}/etc
    COMMAND sh -c "\"$1\" $2 --print-commented-config > \"$3\"" sh $<TARGET_FILE:sixfour> ${d} ${f}
    DEPENDS sixfour COMMENT "etc/sixfour: ${d}" VERBATIM)
  list(APPEND ETC_FILES ${f})
endforeach()
add_custom_command(OUTPUT ${PKG_OUT}/changelog.gz
  COMMAND sh -c "gzip -9n < \"$1\" > \"$2\"" sh ${CMAKE_SOURCE_DIR}/packaging/debian/changelog ${PKG_OUT}/changelog.gz
  DEPENDS packaging/debian/changelog VERBATIM)
add_custom_target(sixfour_package_files ALL DEPENDS ${ETC_FILES} ${PKG_OUT}/changelog.gz)

# The install layout (Debian's): /usr/bin, /lib/systemd/system, /usr/lib/sysusers.d, /etc/sixfour.
include(GNUInstallDirs)
install(TARGETS sixfour RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
file(GLOB UNIT_FILES CONFIGURE_DEPENDS packaging/systemd/*.service)
install(FILES ${UNIT_FILES} DESTINATION /lib/systemd/system)
install(FILES packaging/sysusers.d/sixfour.conf DESTINATION lib/sysusers.d)
install(FILES ${ETC_FILES} DESTINATION /etc/sixfour)
install(FILES packaging/completion/sixfour.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME sixfour)
install(FILES packaging/completion/_sixfour DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES packaging/grafana/sixfour-dashboard.json DESTINATION ${CMAKE_INSTALL_DATADIR}/sixfour/grafana)
install(FILES packaging/debian/copyright ${PKG_OUT}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(SIXFOUR_HELP2MAN)
  foreach(p ${MAN_PAGES})
    string(REGEX REPLACE ".*\\.([18])$" "\\1" section ${p})
    install(FILES ${PKG_OUT}/man/${p}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
endif()

# The package: sixfour_VERSION_ARCH.deb; Depends from dpkg-shlibdeps.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sixfour)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sixfour maintainers <maintainers@users.noreply.r-seed-89114824.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "systemd")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "IPv6-only networks reaching IPv4: NAT64, SIIT, DNS64, SOCKS, CLAT")
set(CPACK_PACKAGE_DESCRIPTION "sixfour makes IPv6-only networks reach the IPv4 internet and IPv4
clients reach IPv6-only servers, in one program: a stateful NAT64
(RFC 6146), a stateless translator with EAM (RFC 7915, 7757), a DNS64
server (RFC 6147), a SOCKS5 proxy, a gateway that runs NAT64 and DNS64
together, a CLAT (464XLAT, RFC 6877) for the host itself, and a doctor
that says what the host's network can reach and why. The translators
set up their own TUN, addresses and routes, and translate the common
packets in eBPF.")
configure_file(packaging/debian/conffiles.in ${PKG_OUT}/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PKG_OUT}/debian/conffiles ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
