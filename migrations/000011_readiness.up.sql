-- The one definition of campaign readiness (docs/kpis.md, "Campaign
-- readiness"), shared by the campaign page, its not-ready list, the
-- overview, the readiness KPI and the weekly digest, so that no two of
-- them can count differently.
--
-- campaign_audience($1 campaign, $2 as_of, $3 business timezone) lists the
-- people a campaign's readiness is measured on, each with whether they
-- were ready, judged at the cut-off: the launch instant (launch day 00:00
-- business time), or as_of when that comes first (an upcoming launch, or a
-- digest frozen before launch).
--   * The audience: active sales and service users who had joined before
--     the cut-off.
--   * Ready: they had acknowledged, before the cut-off, the talking-points
--     revision in force at the cut-off. A revision made after launch asks
--     for a new acknowledgement but does not rewrite readiness at launch.
-- acknowledgements keeps a person's first acknowledgement and their latest
-- one. The revision held at the cut-off is the latest one's when it came
-- before the cut-off, else the revision in force at the first one's time.
-- Rows loaded without campaign_revisions (bulk loads, older fixtures) count
-- as revision 1 from the announcement on.
CREATE FUNCTION campaign_audience(bigint, timestamptz, text)
RETURNS TABLE (user_id bigint, team text, ready boolean, cutoff timestamptz, acknowledged_at timestamptz,
               acked_revision integer, held_revision integer, due_revision integer)
LANGUAGE sql STABLE AS $$
    SELECT u.id, u.team, coalesce(h.held >= d.due, false), t.cutoff, a.acknowledged_at, a.revision, h.held, d.due
    FROM campaigns c
    CROSS JOIN LATERAL (SELECT least(c.launch_on::timestamp AT TIME ZONE $3, $2) AS cutoff) t
    CROSS JOIN LATERAL (SELECT coalesce(max(r.revision), CASE WHEN c.announced_at < t.cutoff THEN 1 END) AS due
                        FROM campaign_revisions r WHERE r.campaign_id = c.id AND r.created_at < t.cutoff) d
    JOIN users u ON u.active AND u.team IN ('sales', 'service') AND u.created_at < t.cutoff
    LEFT JOIN acknowledgements a ON a.campaign_id = c.id AND a.user_id = u.id
    CROSS JOIN LATERAL (SELECT CASE
            WHEN a.revision_at < t.cutoff THEN a.revision
            WHEN a.acknowledged_at < t.cutoff THEN (SELECT coalesce(max(r.revision), 1) FROM campaign_revisions r
                                                    WHERE r.campaign_id = c.id AND r.created_at <= a.acknowledged_at)
        END AS held) h
    WHERE c.id = $1
$$;
