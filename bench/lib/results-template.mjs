// The skeleton of bench/RESULTS.md when it does not exist yet; runs fill the marked sections.
export const RESULTS_TEMPLATE = `# Benchmark results

Produced by \`npm run bench\` (see bench/run.mjs). Only ratios measured in the same run are meaningful:
absolute numbers on a shared 2-core machine swing by ±20–40 % between runs.

## Targets (issue 17)
<!-- targets:start -->
<!-- targets:end -->

## Proxy throughput and latency
<!-- throughput:start -->
<!-- throughput:end -->

## Usage stats over 10 M rows
<!-- usage:start -->
<!-- usage:end -->
`;
