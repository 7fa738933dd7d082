/**
 * The anchor read model (readmodel/anchor-store.ts describes how it is kept):
 *
 * - cairn_anchor_entries: each anchor as each cell doc holds it (readCell's CellEntry as jsonb), so an
 *   id is re-merged across its cells without loading the other cells' docs.
 * - cairn_anchors: the merged view, one row per live-or-expired, not deleted anchor, with lat/lon/alt when
 *   the space has a geodetic origin. Geo queries use the btree on (tenant, space, lat, lon): a latitude
 *   range scan with the longitude checked in the index (no PostGIS). `cell` queries are prefix ranges on
 *   (tenant, space, cell). `expires_at` (ms since the epoch) is compared at query time (X4).
 * - cairn_spaces: each space's meta as last applied (the origin lat/lon are computed from).
 * - cairn_readmodel_progress: the doc version the read model reflects, per cell or meta doc.
 *
 * Identifiers, cells and clocks are COLLATE "C": byte order, so `ORDER BY id` matches the memory store's
 * string order and a cell prefix is a plain range.
 */
import type { Migration } from './migration.js';

export const anchors: Migration = {
  id: 2,
  name: 'anchors',
  statements: [
    `CREATE TABLE cairn_anchor_entries (
      tenant   text             NOT NULL,
      space    text             NOT NULL,
      cell     text COLLATE "C" NOT NULL,
      id       text COLLATE "C" NOT NULL,
      pose_hlc text COLLATE "C",
      entry    jsonb            NOT NULL,
      PRIMARY KEY (tenant, space, cell, id)
    )`,
    `CREATE INDEX cairn_anchor_entries_id ON cairn_anchor_entries (tenant, space, id)`,
    `CREATE TABLE cairn_anchors (
      tenant        text             NOT NULL,
      space         text             NOT NULL,
      id            text COLLATE "C" NOT NULL,
      cell          text COLLATE "C" NOT NULL,
      x             double precision NOT NULL,
      y             double precision NOT NULL,
      z             double precision NOT NULL,
      qx            double precision NOT NULL,
      qy            double precision NOT NULL,
      qz            double precision NOT NULL,
      qw            double precision NOT NULL,
      hlc           text COLLATE "C" NOT NULL,
      lat           double precision,
      lon           double precision,
      alt           double precision,
      props         jsonb            NOT NULL DEFAULT '{}',
      platform_refs jsonb,
      expires_at    bigint,
      created_by    text             NOT NULL,
      created_at    text             NOT NULL,
      updated_at    timestamptz      NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, space, id),
      CHECK ((lat IS NULL) = (lon IS NULL))
    )`,
    `CREATE INDEX cairn_anchors_geo ON cairn_anchors (tenant, space, lat, lon) WHERE lat IS NOT NULL`,
    `CREATE INDEX cairn_anchors_cell ON cairn_anchors (tenant, space, cell)`,
    `CREATE TABLE cairn_spaces (
      tenant     text             NOT NULL,
      space      text             NOT NULL,
      origin_lat double precision,
      origin_lon double precision,
      origin_alt double precision,
      precision  integer,
      updated_at timestamptz      NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, space)
    )`,
    `CREATE TABLE cairn_readmodel_progress (
      tenant          text        NOT NULL,
      doc             text        NOT NULL,
      applied_version bigint      NOT NULL CHECK (applied_version >= 0),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, doc)
    )`,
  ],
};
