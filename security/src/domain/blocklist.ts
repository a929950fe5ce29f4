import { BlockList } from 'node:net';
import type { BlocklistEntry } from '../data-access/blocklist.repository';
import type { IpFamily } from './client-address';

export function parseNetwork(network: string): {
  address: string;
  prefix: number;
  family: IpFamily;
} {
  const [address = '', prefix = ''] = network.split('/');
  const family: IpFamily = address.includes(':') ? 'ipv6' : 'ipv4';
  return { address, prefix: Number(prefix || (family === 'ipv4' ? 32 : 128)), family };
}

/**
 * The blocklist as this replica applies it: rebuilt from PostgreSQL on every change
 * broadcast, so a check is a lookup in memory (node:net's BlockList matches IPv4 and IPv6
 * subnets). Expiry is checked at match time, so an expired ban stops applying at once even
 * before the next reload.
 */
export class BlocklistMatcher {
  private list = new BlockList();
  private entries: BlocklistEntry[] = [];

  replace(entries: BlocklistEntry[]) {
    const list = new BlockList();
    for (const entry of entries) {
      const { address, prefix, family } = parseNetwork(entry.network);
      list.addSubnet(address, prefix, family);
    }
    this.list = list;
    this.entries = entries;
  }

  get size() {
    return this.entries.length;
  }

  /** The entry that bans this address now, if any. */
  match(ip: string, family: IpFamily, now = Date.now()): BlocklistEntry | undefined {
    if (this.entries.length === 0 || !this.list.check(ip, family)) return undefined;
    return this.entries.find((entry) => {
      if (entry.expiresAt && Date.parse(entry.expiresAt) <= now) return false;
      const net = parseNetwork(entry.network);
      if (net.family !== family) return false;
      const single = new BlockList();
      single.addSubnet(net.address, net.prefix, net.family);
      return single.check(ip, family);
    });
  }
}
