// Preloaded into the measured `gadugi` process only (`node --import`, not NODE_OPTIONS, so the
// agents it starts do not load it): at exit it writes the CPU time of the process and of its
// children it waited for (agents, git, tests: /proc/self/stat fields 14–17, in clock ticks) to
// the file GADUGI_BENCH_CPU_FILE names.
import { readFileSync, writeFileSync } from "node:fs";

const out = process.env.GADUGI_BENCH_CPU_FILE;
if (out !== undefined) {
  process.on("exit", () => {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    writeFileSync(out, JSON.stringify({ self: utime + stime, children: cutime + cstime }));
  });
}
