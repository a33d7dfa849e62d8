import { AlertsView } from './alerts-view.js';
import { forgetToken, getJson, rememberToken, streamUrl, token, Unauthorised } from './api.js';
import { byId, element } from './dom.js';
import { renderHealth } from './health-view.js';
import { SensorDetailView } from './sensor-detail.js';
import { SensorList } from './sensor-list.js';
import type { LatestReading, Overview, Reading } from './types.js';

/** The page polls health and alerts this often; readings and results arrive as they happen. */
const OVERVIEW_EVERY_MS = 5_000;

const detail = new SensorDetailView(byId('detail'));
const sensors = new SensorList(byId('sensor-list'), byId('sensor-summary'), (source, sensor) => void detail.show(source, sensor).catch(showError));
const alerts = new AlertsView(byId('alerts-live'), byId('alerts-history'), () => void refreshOverview());
let lastOverviewAt = 0;
let stream: EventSource | undefined;
/** The first stream's opening comes with the first load; a later one (reconnect, new filter) catches up. */
let streamOpened = false;

async function refreshOverview(): Promise<void> {
  const overview = await getJson<Overview>('/api/overview');
  lastOverviewAt = Date.now();
  document.title = `${overview.name} — Tributary`;
  byId('agent-name').textContent = overview.name;
  const status = byId('agent-status');
  status.textContent = overview.health.status === 'ok' ? 'healthy' : `${overview.health.problems.length} problem(s)`;
  status.className = overview.health.status === 'ok' ? 'up' : 'down';
  status.title = overview.health.problems.join('\n');
  const firing = overview.alerts.filter((alert) => alert.state === 'firing').length;
  byId('alert-count').textContent = firing > 0 ? `${firing} firing` : '';
  alerts.render(overview.alerts, overview.transitions, overview.now);
  renderHealth(byId('health'), overview);
}

async function loadSensors(): Promise<void> {
  const { sensors: list } = await getJson<{ sensors: LatestReading[] }>('/api/sensors');
  sensors.setSensors(list);
  const history = await getJson<{ readings_kept: boolean; sensors: { source: string; sensor: string; points: [number, number][] }[] }>(
    `/api/history?${new URLSearchParams({ sensor: filterGlob() })}`,
  );
  sensors.setHistory(history.sensors);
  byId('history-note').textContent = history.readings_kept ? '' : 'Raw readings are not kept (history.readings: 0s): charts show what arrived since this page opened.';
}

/** Follows the readings of the sensors the filter shows (the agent filters: a Pi with many sensors sends less). */
function follow(): void {
  stream?.close();
  setConnection(false, 'connecting…');
  stream = new EventSource(streamUrl(filterGlob()));
  stream.addEventListener('reading', (event) => {
    const reading = JSON.parse((event as MessageEvent<string>).data) as Reading;
    sensors.add(reading);
    detail.add(reading);
  });
  stream.addEventListener('result', (event) => {
    const result = JSON.parse((event as MessageEvent<string>).data) as { kind: string };
    // An alert changed: show it now rather than at the next poll (at most one refresh a second).
    if (result.kind === 'alert' && Date.now() - lastOverviewAt > 1000) void refreshOverview().catch(showError);
  });
  stream.addEventListener('open', () => {
    setConnection(true);
    // Readings that came while the stream was down (or being replaced) are not sent again: ask for the newest.
    if (streamOpened) void loadSensors().catch(showError);
    streamOpened = true;
  });
  stream.addEventListener('error', () => setConnection(false));
}

function setConnection(connected: boolean, text = connected ? 'live' : 'reconnecting…'): void {
  const connection = byId('connection');
  connection.textContent = text;
  connection.className = connected ? 'up' : 'down';
}

function filterGlob(): string {
  return byId<HTMLInputElement>('filter').value.trim() || '**';
}

function showError(error: unknown): void {
  if (error instanceof Unauthorised) {
    askForToken();
    return;
  }
  byId('error').textContent = (error as Error).message;
}

/** The agent listens beyond loopback and wants a token: asked once, kept for this tab. */
function askForToken(): void {
  const dialog = byId<HTMLDialogElement>('login');
  if (dialog.open) return;
  if (token()) {
    forgetToken();
    byId('login-error').textContent = 'That token was refused.';
  }
  dialog.showModal();
}

byId<HTMLFormElement>('login-form').addEventListener('submit', () => {
  rememberToken(byId<HTMLInputElement>('token').value.trim());
  void start();
});

let filterTimer: number | undefined;
byId<HTMLInputElement>('filter').addEventListener('input', () => {
  sensors.setFilter(byId<HTMLInputElement>('filter').value);
  clearTimeout(filterTimer);
  filterTimer = window.setTimeout(() => {
    follow();
    void loadSensors().catch(showError);
  }, 300);
});

async function start(): Promise<void> {
  try {
    byId('error').textContent = '';
    await Promise.all([refreshOverview(), loadSensors()]);
    follow();
  } catch (error) {
    showError(error);
  }
}

setInterval(() => sensors.tick(Date.now()), 1000);
setInterval(() => void refreshOverview().catch(showError), OVERVIEW_EVERY_MS);
void start();
