import { REGION_NAMES } from '../names/region-names.js';

/**
 * A region's availability zones as DescribeAvailabilityZones answers them. Zone ids map to
 * names per account on AWS; this is the mapping AWS answered in LocalStack's recordings for
 * us-east-1 (`us-east-1a` is `use1-az6`, `us-east-1b` is `use1-az1`), and for any other region
 * three zones whose ids follow their names.
 */
export interface Zone {
  readonly ZoneName: string;
  readonly ZoneId: string;
  readonly RegionName: string;
  readonly State: 'available';
  readonly OptInStatus: 'opt-in-not-required';
  readonly Messages: readonly never[];
  readonly GroupName: string;
  readonly GroupLongName: string;
  readonly NetworkBorderGroup: string;
  readonly ZoneType: 'availability-zone';
}

/** Zone ids in zone-name order, where AWS's recordings give them. */
const ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['use1-az6', 'use1-az1', 'use1-az2', 'use1-az4', 'use1-az3', 'use1-az5'],
};

const DIRECTIONS: Readonly<Record<string, string>> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/** A region's short code in zone ids: `eu-west-1` is `euw1`, `ap-southeast-2` is `apse2`. */
function regionCode(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  return `${area}${DIRECTIONS[direction] ?? direction}${number}`;
}

/** The region's zones, in name order. */
export function zonesOf(region: string): Zone[] {
  const ids = ZONE_IDS[region] ?? [1, 2, 3].map((n) => `${regionCode(region)}-az${n}`);
  return ids.map((ZoneId, index) => ({
    ZoneName: `${region}${String.fromCharCode(97 + index)}`,
    ZoneId,
    RegionName: region,
    State: 'available',
    OptInStatus: 'opt-in-not-required',
    Messages: [],
    GroupName: `${region}-zg-1`,
    GroupLongName: `${REGION_NAMES[region] ?? region} 1`,
    NetworkBorderGroup: region,
    ZoneType: 'availability-zone',
  }));
}
