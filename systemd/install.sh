#!/bin/sh
# Installs Tributary as a systemd service, or removes it again. Safe to run twice: a second run updates the
# program and the unit, restarts the service and leaves your config and buffer alone.
#
#   sudo systemd/install.sh                 install (or upgrade), enable and (re)start
#   sudo systemd/install.sh --no-start      the same, but leave the service stopped (edit the config first)
#   sudo systemd/install.sh --uninstall     stop, disable, remove program, command and unit; keep config and data
#   sudo systemd/install.sh --uninstall --purge   also remove /etc/tributary, /var/lib/tributary and the user
#   systemd/install.sh --root DIR           install into DIR instead of / (packaging, tests): the steps that
#                                           change the running system (useradd, chown, systemctl) are only printed
#   systemd/install.sh --in-place           run the program from where it is (a package installed with
#                                           npm install -g) instead of copying it to /opt/tributary
#
# From a checkout where `npm ci && npm run build` has been done it copies dist/, the production node_modules and
# the bundled config to /opt/tributary. `tributary install-service` runs this script from the installed package
# with --in-place: the one install logic for both.
set -eu

# How this script is named in messages: `tributary install-service` sets its own name.
ME=${TRIBUTARY_INSTALLER:-install.sh}

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
}

ROOT=/
MODE=install
PURGE=no
START=yes
IN_PLACE=no
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || { echo "$ME: --root needs a directory" >&2; exit 2; }; ROOT=$2; shift ;;
    --root=*) ROOT=${1#--root=} ;;
    --uninstall) MODE=uninstall ;;
    --purge) PURGE=yes ;;
    --no-start) START=no ;;
    --in-place) IN_PLACE=yes ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$ME: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$PURGE" = yes ] && [ "$MODE" != uninstall ]; then
  echo "$ME: --purge only goes with --uninstall" >&2
  exit 2
fi

[ -d "$ROOT" ] || { echo "$ME: --root $ROOT: no such directory" >&2; exit 2; }
ROOT=$(cd "$ROOT" && pwd)
# Installing into / changes the running system; into another directory only files are written.
if [ "$ROOT" = / ]; then LIVE=yes; R=; else LIVE=no; R=$ROOT; fi
if [ "$LIVE" = yes ] && [ "$(id -u)" -ne 0 ]; then
  if [ "$ME" = install.sh ]; then again=$0; else again=$ME; fi
  echo "$ME: run as root (sudo $again), or use --root DIR to install into a directory" >&2
  exit 1
fi

SOURCE=$(cd "$(dirname "$0")/.." && pwd -P)
APP=$R/opt/tributary
# Where the unit and the command find the program (PROGRAM), and where that is as this script sees it
# (PROGRAM_HERE, under --root): the copy in /opt/tributary, or the package where npm put it.
if [ "$IN_PLACE" = yes ]; then PROGRAM=$SOURCE; PROGRAM_HERE=$SOURCE; else PROGRAM=/opt/tributary; PROGRAM_HERE=$APP; fi
WRAPPER=$R/usr/local/bin/tributary
UNIT=$R/etc/systemd/system/tributary.service
CONFIG_DIR=$R/etc/tributary
STATE_DIR=$R/var/lib/tributary
USER_NAME=tributary

say() { echo "$ME: $*"; }
fail() { echo "$ME: $*" >&2; exit 1; }
# The first line of the command this script writes: how uninstall tells it from npm's link of the same name.
WRAPPER_MARK="# tributary command, written by Tributary's systemd/install.sh."

# Runs a command that changes the live system; with --root it is only printed.
system() {
  if [ "$LIVE" = yes ]; then
    "$@"
  else
    say "skipped (not the live system): $*"
  fi
}

install_program() {
  [ -f "$SOURCE/dist/agent/cli.js" ] || fail "$SOURCE/dist is missing: run npm ci && npm run build first"
  [ -d "$SOURCE/node_modules" ] || fail "$SOURCE/node_modules is missing: run npm ci first"
  # Build the new tree beside the old one and swap, so an interrupted run leaves a working install.
  rm -rf "$APP.new"
  mkdir -p "$APP.new"
  cp -a "$SOURCE/dist" "$SOURCE/config" "$SOURCE/systemd" "$SOURCE/package.json" "$SOURCE/README.md" "$APP.new/"
  [ -f "$SOURCE/package-lock.json" ] && cp -a "$SOURCE/package-lock.json" "$APP.new/"
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
$WRAPPER_MARK Commands read the service's config by default.
: "\${TRIBUTARY_CONFIG:=/etc/tributary/tributary.yaml}"
export TRIBUTARY_CONFIG
exec $NODE /opt/tributary/dist/agent/cli.js "\$@"
EOF
  chmod 0755 "$WRAPPER.tmp"
  mv "$WRAPPER.tmp" "$WRAPPER"
  say "command $WRAPPER"
}

# The service runs the package where npm installed it; nothing is copied. The unit's sandbox hides home
# directories (ProtectHome=) and /tmp (PrivateTmp=): a program or node there would not start, so say so now.
use_program_in_place() {
  [ -f "$PROGRAM/dist/agent/cli.js" ] || fail "$PROGRAM/dist/agent/cli.js is missing: reinstall the package (npm install -g tributary-*.tgz)"
  for path in "$PROGRAM" "$NODE"; do
    case "$path" in
      /home/*|/root/*|/run/user/*|/tmp/*|/var/tmp/*)
        if [ "$LIVE" = yes ]; then
          fail "$path is in a home or temporary directory, which the service's sandbox hides; install Node.js and the package system-wide (sudo npm install -g, with npm's prefix /usr or /usr/local)"
        fi
        say "warning: $path is in a home or temporary directory, which the service's sandbox hides" ;;
    esac
  done
  # A copy left by an install from a checkout would shadow this one: remove it, and its command if it is ours.
  if [ -d "$APP" ]; then
    rm -rf "$APP" "$APP.new" "$APP.old"
    say "removed the copy in $APP from an earlier install"
  fi
  if [ -f "$WRAPPER" ] && [ ! -L "$WRAPPER" ] && grep -qF "$WRAPPER_MARK" "$WRAPPER"; then
    rm -f "$WRAPPER"
    say "removed the command $WRAPPER from an earlier install"
  fi
  say "program in $PROGRAM (where npm installed it; the command is npm's tributary)"
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
  # The unit names /usr/bin/node and /opt/tributary; point it at this machine's node and at the program.
  sed -e "s#^ExecStart=/usr/bin/node #ExecStart=$NODE #" -e "s#/opt/tributary/#$PROGRAM/#g" \
    "$SOURCE/systemd/tributary.service" >"$UNIT.tmp"
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
  if (set -a && . "$env_file" && set +a && "$NODE" "$PROGRAM_HERE/dist/agent/cli.js" validate "$CONFIG_DIR/tributary.yaml"); then
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
  if [ "$LIVE" = no ]; then
    system systemctl disable --now tributary.service
  elif [ -e "$UNIT" ]; then
    systemctl disable --now tributary.service || true
  else
    # Uninstalled before (--uninstall, then --uninstall --purge): systemctl would fail on the missing unit.
    say "no unit $UNIT: nothing to stop"
  fi
  rm -f "$UNIT"
  removed=$UNIT
  if [ -d "$APP" ]; then
    rm -rf "$APP" "$APP.new" "$APP.old"
    removed="$removed, $APP"
  fi
  # Only the command this script wrote: with npm's prefix /usr/local, npm's own link has the same name.
  if [ -f "$WRAPPER" ] && [ ! -L "$WRAPPER" ] && grep -qF "$WRAPPER_MARK" "$WRAPPER"; then
    rm -f "$WRAPPER"
    removed="$removed, $WRAPPER"
  fi
  system systemctl daemon-reload
  say "removed $removed"
  if [ "$IN_PLACE" = yes ]; then
    say "the program stays where npm installed it ($PROGRAM); npm uninstall -g tributary removes it"
  fi
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

# The node the service runs: the one running `tributary install-service`, else the first on the PATH.
NODE=${TRIBUTARY_NODE:-$(command -v node || true)}
[ -n "$NODE" ] || fail "node not found; install Node.js 20 or later"
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || fail "$NODE is Node.js $major; Tributary needs 20 or later"

create_user
if [ "$IN_PLACE" = yes ]; then use_program_in_place; else install_program; fi
install_config
install_unit
check_config
start_service
say "done"
