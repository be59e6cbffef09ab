/**
 * The benchmark's one table (terminal and Markdown) and its target verdicts.
 */

const fmt = (v, digits = 1) => {
  if (v && typeof v === 'object' && 'value' in v) return fmt(v.value, v.digits);
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  if (typeof v === 'string') return v;
  return Number.isInteger(v)
    ? v.toLocaleString('en-US')
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};

const ratio = (a, b) => (a === undefined || b === undefined || !b ? undefined : a / b);

/**
 * Builds the table rows from the collected figures. Each row: figure, rootlock, prowler,
 * floor, ratio (text), target (text), met (true/false/undefined).
 */
export function buildTable(r) {
  const rows = [];
  const check = r.rootlock.check;
  const pr = r.prowler?.run;
  const secs = (ms) => (ms === undefined ? undefined : ms / 1000);

  const wallRatio = ratio(pr?.wallMs, check.wallMs);
  rows.push({
    figure: 'check: wall time (s)',
    rootlock: secs(check.wallMs),
    prowler: secs(pr?.wallMs),
    floor: undefined,
    ratio: wallRatio === undefined ? undefined : `Prowler / rootlock = ${fmt(wallRatio)}x`,
    target: 'rootlock ≥ 5x faster',
    met: wallRatio === undefined ? undefined : wallRatio >= 5,
  });
  const cpuRatio = ratio(pr?.cpuMs, check.cpuMs);
  rows.push({
    figure: 'check: CPU time, user+sys (s)',
    rootlock: { value: secs(check.cpuMs), digits: 2 },
    prowler: { value: secs(pr?.cpuMs), digits: 2 },
    floor: { value: secs(r.floor.nodeE0.cpuMs), digits: 2 },
    ratio: cpuRatio === undefined ? undefined : `Prowler / rootlock = ${fmt(cpuRatio)}x`,
  });
  rows.push({
    figure: 'check: peak RSS (MiB)',
    rootlock: check.peakRssMiB,
    prowler: pr?.peakRssMiB,
    floor: r.floor.nodeE0.peakRssMiB,
    ratio:
      check.peakRssMiB === undefined
        ? undefined
        : `rootlock / floor = ${fmt(ratio(check.peakRssMiB, r.floor.nodeE0.peakRssMiB))}x`,
    target: '< 200 MiB',
    met: check.peakRssMiB === undefined ? undefined : check.peakRssMiB < 200,
  });
  rows.push({
    figure: 'check: API requests seen by the emulator',
    rootlock: check.requests.total,
    prowler: r.prowler?.requests?.total,
    floor: undefined,
    ratio: r.prowler?.requests
      ? `Prowler / rootlock = ${fmt(ratio(r.prowler.requests.total, check.requests.total))}x`
      : undefined,
  });
  const callsRatio = ratio(check.calls.total, r.minimum.total);
  rows.push({
    figure: 'check: API calls (pages counted through the paging proxy) vs computed minimum',
    rootlock: check.calls.total,
    prowler: undefined,
    floor: r.minimum.total,
    ratio: callsRatio === undefined ? undefined : `rootlock / minimum = ${fmt(callsRatio, 2)}`,
    target: '≤ 1.20 (within 20%)',
    met: callsRatio === undefined ? undefined : callsRatio <= 1.2,
  });
  const help = r.rootlock.help;
  const helpRatio = ratio(help?.medianMs, r.floor.nodeE0Start?.medianMs);
  const helpBest = ratio(help?.minMs, r.floor.nodeE0Start?.minMs);
  rows.push({
    figure: '--help: median wall (ms)',
    rootlock: help?.medianMs,
    prowler: r.prowler?.help?.medianMs,
    floor: r.floor.nodeE0Start?.medianMs,
    ratio:
      helpRatio === undefined
        ? undefined
        : `rootlock / floor = ${fmt(helpRatio, 2)}x (fastest runs: ${fmt(helpBest, 2)}x)`,
    target: '≤ 2x floor',
    met: helpRatio === undefined ? undefined : helpRatio <= 2,
  });
  const fp = r.rootlock.firstPrompt;
  rows.push({
    figure: 'wizard: first prompt, median (ms)',
    rootlock: fp?.medianMs,
    prowler: 'no prompts',
    floor: r.floor.nodeE0Start?.medianMs,
    ratio:
      fp?.medianMs === undefined
        ? fp?.reason
        : `rootlock / floor = ${fmt(ratio(fp.medianMs, r.floor.nodeE0Start?.medianMs))}x`,
  });
  if (fp?.beforeFirstCallMs !== undefined) {
    rows.push({
      figure: '  of which before the first API call (ms)',
      rootlock: fp.beforeFirstCallMs,
      prowler: undefined,
      floor: r.floor.nodeE0Start?.medianMs,
      ratio: `rootlock / floor = ${fmt(ratio(fp.beforeFirstCallMs, r.floor.nodeE0Start?.medianMs))}x`,
    });
  }
  // Cells with a display precision are stored as plain numbers in the JSON.
  const plain = (v) => (v && typeof v === 'object' && 'value' in v ? v.value : v);
  return rows.map((x) => ({
    ...x,
    rootlock: plain(x.rootlock),
    prowler: plain(x.prowler),
    floor: plain(x.floor),
    digits: x.figure.includes('CPU') ? 2 : 1,
  }));
}

/** Plain-text table for the terminal. */
export function renderText(rows) {
  const head = ['figure', 'rootlock', 'Prowler', 'floor', 'ratio', 'target', 'met'];
  const body = rows.map((r) => [
    r.figure,
    fmt(r.rootlock, r.digits),
    fmt(r.prowler, r.digits),
    fmt(r.floor, r.digits),
    r.ratio ?? '—',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i >= 1 && i <= 3 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Markdown table for docs/performance.md. */
export function renderMarkdown(rows) {
  const head = '| figure | rootlock | Prowler | floor | ratio | target | met |\n|---|---:|---:|---:|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${r.figure} | ${fmt(r.rootlock, r.digits)} | ${fmt(r.prowler, r.digits)} | ${fmt(r.floor, r.digits)} | ${r.ratio ?? '—'} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`,
  );
  return [head, ...body].join('\n');
}

/** bench/results/latest.md: the table, dated, with the machine it was measured on. */
export function renderMarkdownReport(r) {
  const m = r.machine;
  const load = `load average ${m.loadAverageAtStart[0]} at the start and ${m.loadAverageAtEnd?.[0] ?? '—'} at the end`;
  const prowler = r.prowler?.version ? `, Prowler ${r.prowler.version}` : ', Prowler not run';
  return (
    `Measured on ${r.generatedAt.slice(0, 10)} by \`npm run bench\` (scale ${r.scaleFactor}): ${m.cpus} CPUs, ` +
    `Node ${m.node}, moto ${m.moto}${prowler}; ${load}.\n\n${renderMarkdown(r.table)}`
  );
}

export { fmt };
