/**
 * Compiles a sensor-name glob into a matcher. Names are slash-separated like MQTT topics:
 * `*` matches within one level, `**` across levels, `?` one character.
 */
export function compileSensorGlob(glob: string): (sensor: string) => boolean {
  if (glob === '**') return () => true;
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        pattern += '.*';
        i++;
      } else {
        pattern += '[^/]*';
      }
    } else if (char === '?') {
      pattern += '[^/]';
    } else {
      pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${pattern}$`);
  return (sensor) => regex.test(sensor);
}
