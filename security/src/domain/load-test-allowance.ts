import { BlockList } from 'node:net';
import { parseNetwork } from './blocklist';
import type { IpFamily } from './client-address';

/**
 * The explicit load-test allowance (`SECURITY_LOAD_TEST_SOURCES`). A benchmark drives
 * thousands of requests a second from one address (loopback); without this, the per-address
 * and per-network rules would refuse it within a second and the benchmark would measure
 * 429s instead of the platform. For a listed source the check skips exactly the rules that
 * count per address or per network (velocity, per-route limits per address, sign-up and
 * order quotas per address / network / fingerprint, automatic bans) and still runs the rest
 * in full (blocklist, known bots, per-account limits, anti-hoarding, proof-of-work), so the
 * benchmark still pays the check's real cost.
 *
 * The address matched is the one the gateway established (X-Real-IP, which nginx sets from
 * its own trusted-proxy handling and a client cannot write), and the list comes only from
 * configuration: empty by default, and nothing in a request can add to it.
 */
export interface LoadTestAllowance {
  /** The configured networks, as written (for the start-up log). */
  readonly sources: readonly string[];
  covers(ip: string, family: IpFamily): boolean;
}

export function createLoadTestAllowance(sources: readonly string[]): LoadTestAllowance {
  const list = new BlockList();
  for (const source of sources) {
    const { address, prefix, family } = parseNetwork(source);
    list.addSubnet(address, prefix, family);
  }
  return {
    sources,
    covers: (ip, family) => sources.length > 0 && list.check(ip, family),
  };
}
