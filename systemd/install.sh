#!/bin/sh
# Installs Tributary as a systemd service, or removes it again. Safe to run twice: a second run updates the
# program and the unit and leaves your config alone.
#
#   sudo systemd/install.sh                 install (or upgrade), enable and (re)start
#   sudo systemd/install.sh --uninstall     stop, disable, remove program, wrapper and unit; keep config and data
#   sudo systemd/install.sh --uninstall --purge   also remove /etc/tributary, /var/lib/tributary and the user
#   systemd/install.sh --root DIR           install into DIR instead of / (packaging, tests): the steps that
#                                           change the running system (useradd, chown, systemctl) are only printed
#
# Run it from a checkout where `npm ci && npm run build` has been done: it copies dist/, the production
# node_modules and the bundled config from there.
set -eu

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

ROOT=/
MODE=install
PURGE=no
START=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || { echo "install.sh: --root needs a directory" >&2; exit 2; }; ROOT=$2; shift ;;
    --root=*) ROOT=${1#--root=} ;;
    --uninstall) MODE=uninstall ;;
    --purge) PURGE=yes ;;
    --no-start) START=no ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$PURGE" = yes ] && [ "$MODE" != uninstall ]; then
  echo "install.sh: --purge only goes with --uninstall" >&2
  exit 2
fi

ROOT=$(cd "$ROOT" && pwd)
# Installing into / changes the running system; into another directory only files are written.
if [ "$ROOT" = / ]; then LIVE=yes; R=; else LIVE=no; R=$ROOT; fi
if [ "$LIVE" = yes ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (sudo $0 $*), or use --root DIR to install into a directory" >&2
  exit 1
fi

SOURCE=$(cd "$(dirname "$0")/.." && pwd)
APP=$R/opt/tributary
WRAPPER=$R/usr/local/bin/tributary
UNIT=$R/etc/systemd/system/tributary.service
CONFIG_DIR=$R/etc/tributary
STATE_DIR=$R/var/lib/tributary
USER_NAME=tributary

say() { echo "install.sh: $*"; }

# Runs a command that changes the live system; with --root it is only printed.
system() {
  if [ "$LIVE" = yes ]; then
    "$@"
  else
    say "skipped (not the live system): $*"
  fi
}

install_program() {
  [ -f "$SOURCE/dist/agent/cli.js" ] || { echo "install.sh: $SOURCE/dist is missing: run npm ci && npm run build first" >&2; exit 1; }
  [ -d "$SOURCE/node_modules" ] || { echo "install.sh: $SOURCE/node_modules is missing: run npm ci first" >&2; exit 1; }
  # Build the new tree beside the old one and swap, so an interrupted run leaves a working install.
  rm -rf "$APP.new"
  mkdir -p "$APP.new"
  cp -a "$SOURCE/dist" "$SOURCE/config" "$SOURCE/systemd" "$SOURCE/package.json" "$SOURCE/package-lock.json" "$SOURCE/README.md" "$APP.new/"
  cp -a "$SOURCE/node_modules" "$APP.new/"
  if command -v npm >/dev/null 2>&1; then
    (cd "$APP.new" && npm prune --omit=dev --offline --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
  else
    say "npm not found: development packages stay in $APP/node_modules (harmless, only larger)"
  fi
  rm -rf "$APP.old"
  [ -d "$APP" ] && mv "$APP" "$APP.old"
  mv "$APP.new" "$APP"
  rm -rf "$APP.old"
  say "program in $APP"

  mkdir -p "$(dirname "$WRAPPER")"
  cat >"$WRAPPER.tmp" <<EOF
#!/bin/sh
# tributary command, written by Tributary's systemd/install.sh. Commands read the service's config by default.
: "\${TRIBUTARY_CONFIG:=/etc/tributary/tributary.yaml}"
export TRIBUTARY_CONFIG
exec $NODE /opt/tributary/dist/agent/cli.js "\$@"
EOF
  chmod 0755 "$WRAPPER.tmp"
  mv "$WRAPPER.tmp" "$WRAPPER"
  say "command $WRAPPER"
}

create_user() {
  if [ "$LIVE" = yes ] && getent passwd "$USER_NAME" >/dev/null; then
    say "user $USER_NAME exists"
  else
    system useradd --system --user-group --home-dir /var/lib/tributary --no-create-home --shell /usr/sbin/nologin \
      --comment "Tributary edge sensor agent" "$USER_NAME"
  fi
  # The unit asks for these groups; systemd refuses to start a unit whose group does not exist.
  for group in dialout gpio; do
    if [ "$LIVE" = yes ] && getent group "$group" >/dev/null; then continue; fi
    system groupadd --system "$group"
  done
}

install_config() {
  mkdir -p "$CONFIG_DIR" "$STATE_DIR"
  system chown "root:$USER_NAME" /etc/tributary
  chmod 0750 "$CONFIG_DIR"
  system chown "$USER_NAME:$USER_NAME" /var/lib/tributary
  chmod 0750 "$STATE_DIR"
  # The schema is generated from the code: always the one of this version (editors use it for completion).
  cp "$SOURCE/config/tributary.schema.json" "$CONFIG_DIR/tributary.schema.json"
  if [ ! -e "$CONFIG_DIR/tributary.yaml" ]; then
    cp "$SOURCE/config/tributary.yaml" "$CONFIG_DIR/tributary.yaml"
    chmod 0640 "$CONFIG_DIR/tributary.yaml"
    system chown "root:$USER_NAME" /etc/tributary/tributary.yaml
    say "config $CONFIG_DIR/tributary.yaml (the bundled example: edit it, then systemctl reload tributary)"
  elif cmp -s "$SOURCE/config/tributary.yaml" "$CONFIG_DIR/tributary.yaml"; then
    say "config $CONFIG_DIR/tributary.yaml is the bundled one; kept"
  else
    # Never overwrite an edited config; leave the new example beside it, as dpkg does.
    cp "$SOURCE/config/tributary.yaml" "$CONFIG_DIR/tributary.yaml.dist"
    say "config $CONFIG_DIR/tributary.yaml was edited; kept (this version's example: tributary.yaml.dist)"
  fi
  if [ ! -e "$CONFIG_DIR/environment" ]; then
    (umask 077 && cat >"$CONFIG_DIR/environment" <<'EOF'
# Secrets for ${NAME} references in tributary.yaml, one NAME=value a line. Read by systemd (as root) when the
# service starts; keep this file mode 0600. Example:
# INFLUX_TOKEN=...
# MQTT_PASSWORD=...
EOF
    )
    say "secrets file $CONFIG_DIR/environment (mode 0600)"
  fi
}

install_unit() {
  mkdir -p "$(dirname "$UNIT")"
  # The unit names /usr/bin/node; point it at the node this machine has if that lives elsewhere.
  sed "s#^ExecStart=/usr/bin/node #ExecStart=$NODE #" "$SOURCE/systemd/tributary.service" >"$UNIT.tmp"
  chmod 0644 "$UNIT.tmp"
  mv "$UNIT.tmp" "$UNIT"
  say "unit $UNIT"
}

check_config() {
  # The installed copy checks the config: proves the program runs here and warns early about a bad edit.
  if [ "$LIVE" = yes ]; then
    env_file=/etc/tributary/environment
  else
    env_file=$CONFIG_DIR/environment
  fi
  if (set -a && . "$env_file" && set +a && "$NODE" "$APP/dist/agent/cli.js" validate "$CONFIG_DIR/tributary.yaml"); then
    :
  else
    say "warning: the config has problems (above); the service will not start until they are fixed"
  fi
}

start_service() {
  system systemctl daemon-reload
  system systemctl enable tributary.service
  if [ "$START" = yes ]; then
    # restart, not start: after an upgrade the new program must run.
    system systemctl restart tributary.service
    [ "$LIVE" = yes ] && say "running; see: tributary status, journalctl -u tributary -f"
  fi
  return 0
}

uninstall() {
  if [ "$LIVE" = yes ] && [ -e "$UNIT" ]; then
    systemctl disable --now tributary.service || true
  else
    system systemctl disable --now tributary.service
  fi
  rm -f "$UNIT" "$WRAPPER"
  rm -rf "$APP" "$APP.new" "$APP.old"
  system systemctl daemon-reload
  say "removed $APP, $WRAPPER and $UNIT"
  if [ "$PURGE" = yes ]; then
    rm -rf "$CONFIG_DIR" "$STATE_DIR"
    if [ "$LIVE" = no ] || getent passwd "$USER_NAME" >/dev/null; then system userdel "$USER_NAME"; fi
    say "purged $CONFIG_DIR, $STATE_DIR (buffer) and the user $USER_NAME"
  else
    say "kept $CONFIG_DIR (config) and $STATE_DIR (buffer); --uninstall --purge removes them"
  fi
}

if [ "$MODE" = uninstall ]; then
  uninstall
  exit 0
fi

NODE=$(command -v node || true)
[ -n "$NODE" ] || { echo "install.sh: node not found; install Node.js 20 or later" >&2; exit 1; }
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: $NODE is Node.js $major; Tributary needs 20 or later" >&2; exit 1; }

create_user
install_program
install_config
install_unit
check_config
start_service
say "done"
