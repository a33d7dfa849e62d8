/**
 * Partially orders `values[0..length)` in place so that `values[k]` is the k-th smallest (0-based), everything
 * before it is ≤ and everything after it ≥ (Hoare's quickselect, as std::nth_element in ESPHome). Average O(n),
 * allocates nothing.
 */
export function selectKth(values: Float64Array, length: number, k: number): number {
  let left = 0;
  let right = length - 1;
  while (right > left) {
    const a = values[left]!;
    const b = values[(left + right) >>> 1]!;
    const c = values[right]!;
    // Median of three as pivot: sorted or reversed windows (a steady rise) stay O(n).
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}
