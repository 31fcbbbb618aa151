/** CPU-bound probe for bench/sweep.ts: a fixed amount of integer work, then reply. */
declare const self: Worker;
self.onmessage = (e: MessageEvent<number>) => {
  let x = 0;
  for (let i = 0; i < e.data; i++) x = (x + i * 7) % 1_000_003;
  self.postMessage(x);
};
