/*
 * zoomtrack room board.  Polls the status sink's files under _data/:
 *
 *   zoom-room-timeline.json  every live or recently ended meeting, with
 *                            each person's presence intervals and room
 *                            visits, and a heartbeat (generated_at) that
 *                            the sink rewrites at least every heartbeat_s;
 *   zoom-room-dashboard.csv  Lookout's CSV, read when there is no timeline
 *                            (an older server, a Lookout-compatible one).
 *
 * Display names are chosen by whoever joins a meeting: every value goes
 * into the page as text (textContent, createTextNode, setAttribute), never
 * through innerHTML.  No framework, no build step.
 */

(function () {
"use strict";

var SVGNS = "http://www.w3.org/2000/svg";
var MIN = 60000;
var HOUR = 3600000;

/* room colours: distinct, readable with dark text, not relying on hue
 * alone (the legend and the band titles name the room) */
var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
               "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#86bcb6"];

var cfg = readConfig();
var state = {
    model: null,         /* what is on screen */
    lastOk: 0,           /* browser time of the last good poll */
    lastError: "",       /* why the last poll failed; "" when it did not */
    genAt: null,         /* the timeline's generated_at */
    genSeenAt: 0,        /* browser time that generated_at was made */
    heartbeatS: 0,       /* 0: no heartbeat (CSV only) */
    query: ""
};


/* ------------------------------------------------------------ settings */

function readConfig() {
    var body = document.body, q = new URLSearchParams(location.search);
    var get = function (k) {
        var v = q.get(k);
        return v !== null && v !== "" ? v : (body.dataset[k] || "");
    };
    var data = get("data") || "/_data/";
    if (data.charAt(data.length - 1) !== "/") { data += "/"; }
    /* only this site or another web server: the links below take data as
     * their href, so a javascript: URL would run when clicked */
    try {
        if (!/^https?:$/.test(new URL(data, location.href).protocol)) {
            data = "/_data/";
        }
    } catch (e) {
        data = "/_data/";
    }
    var poll = parseFloat(get("poll"));
    return {
        data: data,
        csv: data + "zoom-room-dashboard.csv",
        json: data + "zoom-room-timeline.json",
        pollMs: Math.max(1000, (isFinite(poll) && poll > 0 ? poll : 5) * 1000),
        tz: get("tz") || Intl.DateTimeFormat().resolvedOptions().timeZone
    };
}


/* -------------------------------------------------------------- DOM */

/* el("td", {class: "x"}, "text", node, ...): strings become text nodes */
function el(tag, attrs) {
    return build(document.createElement(tag), attrs, arguments);
}

function svg(tag, attrs) {
    return build(document.createElementNS(SVGNS, tag), attrs, arguments);
}

function build(node, attrs, args) {
    var k, i, c;
    for (k in attrs || {}) {
        if (attrs[k] !== null && attrs[k] !== undefined) {
            node.setAttribute(k, String(attrs[k]));
        }
    }
    for (i = 2; i < args.length; i++) {
        c = args[i];
        if (c === null || c === undefined || c === false) { continue; }
        node.appendChild(typeof c === "object" ? c
                         : document.createTextNode(String(c)));
    }
    return node;
}


/* -------------------------------------------------------------- time */

var fmtCache = {};

function fmt(opts) {
    var key = JSON.stringify(opts);
    if (!fmtCache[key]) {
        opts.timeZone = cfg.tz;
        try {
            fmtCache[key] = new Intl.DateTimeFormat("en-GB", opts);
        } catch (e) {
            delete opts.timeZone;
            fmtCache[key] = new Intl.DateTimeFormat("en-GB", opts);
        }
    }
    return fmtCache[key];
}

function parts(ms) {
    var o = {};
    fmt({year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
         minute: "2-digit", second: "2-digit", hourCycle: "h23"})
        .formatToParts(new Date(ms)).forEach(function (p) {
            o[p.type] = p.value;
        });
    return o;
}

/* "14:05" today, "Tue 14 Jul 14:05" otherwise */
function clock(ms, seconds) {
    var o = {hour: "2-digit", minute: "2-digit", hourCycle: "h23"};
    if (seconds) { o.second = "2-digit"; }
    var t = fmt(o).format(new Date(ms));
    if (parts(ms).day === parts(Date.now()).day
        && Math.abs(Date.now() - ms) < 24 * HOUR) {
        return t;
    }
    return fmt({weekday: "short", day: "numeric", month: "short"})
        .format(new Date(ms)) + " " + t;
}

/*
 * local "YYYY-MM-DD HH:MM:SS" in cfg.tz -> ms (the CSV's times); Lookout's
 * own file wrote "YYYY-MM-DD-HH:MM:SS", and "N/A" for none
 */
function parseLocal(s) {
    var m = /^(\d{4})-(\d\d)-(\d\d)[ -](\d\d):(\d\d):(\d\d)$/.exec(s || "");
    if (!m) { return null; }
    var guess = Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    var ms = guess - offset(guess);
    return guess - offset(ms);
}

function offset(ms) {
    var p = parts(ms);
    return Date.UTC(+p.year, p.month - 1, +p.day, +p.hour % 24, +p.minute,
                    +p.second) - Math.floor(ms / 1000) * 1000;
}

/* 45 s, 12 min, 1 h 05 min */
function span(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) { return s + " s"; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + " min"; }
    var h = Math.floor(m / 60);
    m = m % 60;
    return h + " h " + (m < 10 ? "0" : "") + m + " min";
}

function ago(ms, now) {
    var d = now - ms;
    if (d < 10000) { return "just now"; }
    return span(d) + " ago";
}

function timeEl(ms, now, relative) {
    if (ms === null || ms === undefined) { return el("span", {class: "none"}, "—"); }
    var iso = new Date(ms).toISOString();
    var t = el("time", {datetime: iso, title: clock(ms, true)}, clock(ms));
    if (!relative) { return t; }
    return el("span", null, t, " ", el("span", {class: "ago"}, "(" + ago(ms, now) + ")"));
}


/* ------------------------------------------------------------ models */

/*
 * Both sources become one model:
 *   {source, meetings: [{id, uuid, topic, live, start, end, rooms: [{no,
 *    name}], people: [{name, online, room, since, lastJoin, lastLeft,
 *    intervals: [{from, to}], visits: [{room, from, to}]}]}]}
 * times in ms, to/end null while open; room null = main room.
 */

function fromTimeline(j) {
    if (!j || !Array.isArray(j.meetings)) { throw new Error("not a timeline"); }
    return {
        source: "timeline",
        meetings: j.meetings.map(function (m) {
            var people = (m.people || []).map(function (p) {
                return {
                    name: String(p.name || "(no name)"),
                    online: !!p.online,
                    room: p.room || null,
                    lastJoin: p.last_join || null,
                    lastLeft: p.last_left || null,
                    intervals: (p.intervals || []).map(function (i) {
                        return {from: i.from, to: i.to === undefined ? null : i.to};
                    }),
                    visits: (p.visits || []).map(function (v) {
                        return {room: v.room, from: v.from,
                                to: v.to === undefined ? null : v.to};
                    })
                };
            });
            return {
                id: String(m.meeting_id || ""), uuid: String(m.meeting_uuid || ""),
                topic: m.topic ? String(m.topic) : "",
                live: !!m.live, start: m.start || null, end: m.end || null,
                rooms: (m.rooms || []).map(function (r) {
                    return {no: r.room, name: String(r.name || "Room-" + r.room)};
                }),
                people: people
            };
        })
    };
}

/* RFC 4180: quoted cells, doubled quotes, newlines inside quotes */
function parseCsv(text) {
    var rows = [], row = [], cell = "", i = 0, quoted = false, c;
    while (i < text.length) {
        c = text.charAt(i);
        if (quoted) {
            if (c === '"' && text.charAt(i + 1) === '"') { cell += '"'; i += 2; continue; }
            if (c === '"') { quoted = false; i++; continue; }
            cell += c; i++; continue;
        }
        if (c === '"') { quoted = true; i++; continue; }
        if (c === ",") { row.push(cell); cell = ""; i++; continue; }
        if (c === "\r") { i++; continue; }
        if (c === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; continue; }
        cell += c; i++;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
}

/*
 * The sink prefixes formula-like names with ' for spreadsheets; this undoes
 * exactly that: a ' before blanks (spaces, controls, invisible marks) and
 * then a formula starter, as core/zt_csv.c decides (zt_csv_blank,
 * zt_csv_starter).
 */
var CSV_BLANK = /^[\u0000-\u0020\u007f-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]*/;
var CSV_STARTER = /^[=+\-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u2212]/;

function unneutral(s) {
    if (s.charAt(0) !== "'") { return s; }
    var rest = s.slice(1);
    if (/^[\t\r]/.test(rest)) { return rest; }
    return CSV_STARTER.test(rest.replace(CSV_BLANK, "")) ? rest : s;
}

/*
 * "online", or Lookout's own file's Status: the HTML of a Font Awesome
 * toggle, <i class="fa-solid fa-toggle-on"></i>, read as text, never shown
 */
function csvOnline(s) {
    return s === "online" || /(^|[\s"'])fa-toggle-on([\s"']|$)/.test(s || "");
}

function fromCsv(text) {
    /* an empty file is a sink that has seen nobody yet, as a header alone */
    var rows = parseCsv(text), by = {}, order = [];
    var head = rows.shift() || (text.trim() === "" ? ["Username", "Status"] : []);
    var col = function (n) { return head.indexOf(n); };
    var cU = col("Username"), cS = col("Status"), cJ = col("Last Join"),
        cL = col("Last Left"), cR = col("Room"), cM = col("Meeting");
    if (cU < 0 || cS < 0) { throw new Error("not the status CSV"); }
    rows.forEach(function (r) {
        var mid = cM >= 0 ? r[cM] : "", m = by[mid], room = cR >= 0 ? r[cR] : "";
        if (!m) {
            m = by[mid] = {id: mid, uuid: "", topic: "", live: false, start: null,
                           end: null, rooms: [], people: [], roomNo: {}};
            order.push(m);
        }
        var no = null;
        if (room) {
            if (!m.roomNo[room]) {
                var n = /^Room-(\d+)$/.exec(room);
                m.roomNo[room] = n ? +n[1] : 1000 + m.rooms.length;
                m.rooms.push({no: m.roomNo[room], name: room});
            }
            no = m.roomNo[room];
        }
        var p = {name: unneutral(r[cU] || ""), online: csvOnline(r[cS]),
                 room: no, lastJoin: parseLocal(cJ >= 0 ? r[cJ] : ""),
                 lastLeft: parseLocal(cL >= 0 ? r[cL] : ""),
                 intervals: [], visits: []};
        if (p.online) { m.live = true; }
        m.people.push(p);
    });
    order.forEach(function (m) {
        m.rooms.sort(function (a, b) { return a.no - b.no; });
        delete m.roomNo;
    });
    return {source: "csv", meetings: order};
}


/* --------------------------------------------------------- segments */

/*
 * A person's time split into stretches: each room visit, and the main
 * room for the rest of each presence interval.  Open ends run to `end`.
 */
function segments(p, end) {
    var out = [];
    p.intervals.forEach(function (iv) {
        var to = iv.to === null ? end : iv.to, at = iv.from;
        p.visits.filter(function (v) {
            var vt = v.to === null ? end : v.to;
            return v.from < to && vt > iv.from;
        }).sort(function (a, b) { return a.from - b.from; }).forEach(function (v) {
            var vf = Math.max(v.from, iv.from);
            var vt = Math.min(v.to === null ? end : v.to, to);
            if (vf > at) { out.push({room: null, from: at, to: vf, open: false}); }
            if (vt >= vf) {
                out.push({room: v.room, from: vf, to: vt,
                          open: v.to === null && iv.to === null && vt >= to});
            }
            at = Math.max(at, vt);
        });
        if (to > at) { out.push({room: null, from: at, to: to, open: iv.to === null}); }
    });
    return out;
}

/* when the person arrived where they are now */
function since(p, now) {
    var segs = segments(p, now), last = segs[segs.length - 1];
    if (last && last.open) { return last.from; }
    return p.lastJoin;
}


/* ------------------------------------------------------------- board */

function matches(p) {
    return !state.query
        || p.name.toLowerCase().indexOf(state.query) >= 0;
}

function roomName(m, no) {
    if (no === null) { return "Main room"; }
    for (var i = 0; i < m.rooms.length; i++) {
        if (m.rooms[i].no === no) { return m.rooms[i].name; }
    }
    return "Room-" + no;
}

function colour(m, no) {
    var i = 0;
    for (; i < m.rooms.length; i++) {
        if (m.rooms[i].no === no) { break; }
    }
    return PALETTE[i % PALETTE.length];
}

function byName(a, b) {
    return a.name.localeCompare(b.name, undefined, {sensitivity: "base"});
}

function render() {
    var model = state.model, now = Date.now();
    var board = document.getElementById("board");
    var focused = document.activeElement && document.activeElement.dataset
        ? document.activeElement.dataset.key : null;
    var frag = document.createDocumentFragment();
    var shown = 0, total = 0;

    if (!model) { return; }

    var live = model.meetings.filter(function (m) { return m.live; });
    var ended = model.meetings.filter(function (m) { return !m.live; });

    if (!live.length) {
        frag.appendChild(el("p", {class: "empty"},
            model.meetings.length ? "No meeting in progress."
                                  : "Nobody has been seen yet."));
    }

    live.forEach(function (m, i) {
        var r = meetingSection(m, now, "m" + i);
        shown += r.shown;
        total += r.total;
        frag.appendChild(r.node);
    });

    if (model.source === "timeline" && ended.length) {
        frag.appendChild(el("h2", {class: "ended-head"}, "Recently ended"));
        ended.forEach(function (m, i) {
            var r = endedSection(m, now, "e" + i);
            shown += r.shown;
            total += r.total;
            frag.appendChild(r.node);
        });
    }

    board.replaceChildren(frag);
    document.getElementById("matches").textContent = state.query
        ? shown + " of " + total + " people match" : "";

    if (focused) {
        var again = board.querySelector('[data-key="' + CSS.escape(focused) + '"]');
        if (again) { again.focus(); }
    }
}

function meetingTitle(m) {
    return m.topic || (m.id ? "Meeting " + m.id : "Meeting");
}

function meetingSection(m, now, key) {
    var online = m.people.filter(function (p) { return p.online; });
    var left = m.people.filter(function (p) { return !p.online; });
    var sec = el("section", {class: "meeting live", "aria-labelledby": key + "-h",
                             "data-meeting": m.id});
    var shown = 0;

    var meta = [online.length + " online"];
    if (m.id && m.topic) { meta.push("ID " + m.id); }
    if (m.start) { meta.push("started " + clock(m.start) + " (" + ago(m.start, now) + ")"); }

    sec.appendChild(el("header", {class: "meeting-head"},
        el("h2", {id: key + "-h"}, el("span", {class: "live-dot", "aria-hidden": "true"}),
           meetingTitle(m)),
        el("p", {class: "meta"}, meta.join(" · "))));

    /* Main room first, then each room in number order */
    var groups = [{no: null, people: []}];
    m.rooms.forEach(function (r) { groups.push({no: r.no, people: []}); });
    online.forEach(function (p) {
        var g = groups.filter(function (x) { return x.no === p.room; })[0];
        if (!g) { g = {no: p.room, people: []}; groups.push(g); }
        g.people.push(p);
    });

    var grid = el("div", {class: "rooms"});
    groups.forEach(function (g, gi) {
        if (g.no !== null && !g.people.length) { return; }
        var vis = g.people.filter(matches).sort(byName);
        shown += vis.length;
        grid.appendChild(roomCard(m, g, vis, now, key + "-r" + gi));
    });
    sec.appendChild(grid);

    var leftVis = left.filter(matches).sort(function (a, b) {
        return (b.lastLeft || 0) - (a.lastLeft || 0);
    });
    shown += leftVis.length;
    if (left.length) {
        sec.appendChild(leftTable(m, left, leftVis, now, key));
    }

    if (m.people.some(function (p) { return p.intervals.length; })) {
        sec.appendChild(timeline(m, now, key, true));
    }

    return {node: sec, shown: shown, total: m.people.length};
}

function roomCard(m, g, vis, now, key) {
    var name = roomName(m, g.no);
    var count = g.people.length;
    var card = el("section", {class: "room" + (g.no === null ? " main-room" : ""),
                              "aria-labelledby": key, "data-room": name,
                              "data-count": count});
    if (g.no !== null) { card.style.setProperty("--room", colour(m, g.no)); }
    card.appendChild(el("h3", {id: key},
        el("span", {class: "room-name"}, name),
        el("span", {class: "count", "aria-label": count + (count === 1 ? " person" : " people")},
           String(count))));
    if (!vis.length) {
        card.appendChild(el("p", {class: "nobody"},
            count ? "No match" : "Nobody here"));
        return card;
    }
    var tb = el("tbody");
    vis.forEach(function (p) {
        var s = since(p, now);
        tb.appendChild(el("tr", {class: "person"},
            el("th", {scope: "row", class: "name"}, p.name),
            el("td", {class: "for"}, s ? el("time", {datetime: new Date(s).toISOString(),
                                                    title: "since " + clock(s, true)},
                                           span(now - s)) : "—")));
    });
    card.appendChild(el("table", null,
        el("caption", {class: "sr-only"}, "People in " + name),
        el("thead", null, el("tr", null,
            el("th", {scope: "col"}, "Name"),
            el("th", {scope: "col"}, "Here for"))),
        tb));
    return card;
}

function leftTable(m, left, vis, now, key) {
    var tb = el("tbody");
    vis.forEach(function (p) {
        tb.appendChild(el("tr", {class: "person"},
            el("th", {scope: "row", class: "name"}, p.name),
            el("td", null, timeEl(p.lastJoin, now, false)),
            el("td", null, timeEl(p.lastLeft, now, true))));
    });
    return el("section", {class: "left", "aria-labelledby": key + "-left",
                          "data-count": left.length},
        el("h3", {id: key + "-left"}, "Left the meeting ",
           el("span", {class: "count"}, String(left.length))),
        el("div", {class: "scroll"}, el("table", null,
            el("caption", {class: "sr-only"}, "People who left " + meetingTitle(m)),
            el("thead", null, el("tr", null,
                el("th", {scope: "col"}, "Name"),
                el("th", {scope: "col"}, "Last join"),
                el("th", {scope: "col"}, "Last left"))),
            tb)));
}

function endedSection(m, now, key) {
    var vis = m.people.filter(matches);
    var end = m.end || lastTime(m, now);
    var d = el("details", {class: "meeting ended", "data-meeting": m.id},
        el("summary", null, el("span", {class: "title"}, meetingTitle(m)),
           el("span", {class: "meta"}, " · " + m.people.length + " people · ended "
              + clock(end) + " (" + ago(end, now) + ")")));
    if (m.people.some(function (p) { return p.intervals.length; })) {
        d.appendChild(timeline(m, now, key, false));
    }
    return {node: d, shown: vis.length, total: m.people.length};
}

function lastTime(m, now) {
    var t = m.start || 0;
    m.people.forEach(function (p) {
        p.intervals.forEach(function (i) { t = Math.max(t, i.to === null ? now : i.to); });
    });
    return t || now;
}


/* ---------------------------------------------------------- timeline */

var ROW = 26, LABEL = 170, AXIS = 28, PAD = 12, RIGHT = 40;

function ticks(from, to) {
    var steps = [MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR,
                 2 * HOUR, 3 * HOUR, 6 * HOUR];
    var step = steps.filter(function (s) { return (to - from) / s <= 8; })[0]
        || 12 * HOUR;
    var out = [], t = Math.ceil(from / step) * step;
    for (; t <= to; t += step) { out.push(t); }
    return out;
}

function timeline(m, now, key, live) {
    var people = m.people.filter(function (p) { return p.intervals.length; });
    var vis = people.filter(matches);
    var start = m.start || Infinity, end = live ? now : (m.end || lastTime(m, now));
    people.forEach(function (p) {
        p.intervals.forEach(function (i) { start = Math.min(start, i.from); });
    });
    if (!isFinite(start) || end <= start) { end = start + MIN; }
    vis.sort(function (a, b) { return a.intervals[0].from - b.intervals[0].from; });

    var width = Math.max(640, Math.min(1400, (document.getElementById("board")
                                                .clientWidth || 900) - 40));
    var plot = width - LABEL - RIGHT;
    var height = AXIS + vis.length * ROW + PAD;
    var x = function (t) { return LABEL + (t - start) / (end - start) * plot; };

    var s = svg("svg", {class: "tl", viewBox: "0 0 " + width + " " + height,
                        width: width, height: height, role: "group",
                        "aria-labelledby": key + "-tl-t " + key + "-tl-d"});
    s.appendChild(svg("title", {id: key + "-tl-t"}, "Timeline of " + meetingTitle(m)));
    s.appendChild(svg("desc", {id: key + "-tl-d"},
        "One row per person; a coloured band per breakout-room visit, a grey band "
        + "for the main room. Focus a band for its exact times."));

    ticks(start, end).forEach(function (t) {
        s.appendChild(svg("line", {class: "grid", x1: x(t), x2: x(t), y1: AXIS - 6,
                                   y2: height - PAD}));
        s.appendChild(svg("text", {class: "tick", x: x(t), y: AXIS - 10,
                                   "text-anchor": "middle"}, clock(t)));
    });

    vis.forEach(function (p, i) {
        var y = AXIS + i * ROW;
        var g = svg("g", {class: "row", "data-name": p.name});
        if (i % 2) {
            g.appendChild(svg("rect", {class: "stripe", x: 0, y: y, width: width,
                                       height: ROW}));
        }
        g.appendChild(svg("text", {class: "who", x: LABEL - 8, y: y + ROW / 2 + 4,
                                   "text-anchor": "end"}, clip(p.name, 22)));
        segments(p, end).forEach(function (seg, k) {
            var name = roomName(m, seg.room);
            var label = p.name + " · " + name + " · " + clock(seg.from, true) + " – "
                + (seg.open ? "now" : clock(seg.to, true)) + " (" + span(seg.to - seg.from) + ")";
            var w = Math.max(2, x(seg.to) - x(seg.from));
            var r = svg("rect", {class: "band " + (seg.room === null ? "main" : "visit"),
                                 x: x(seg.from), y: y + 5, width: w, height: ROW - 10,
                                 rx: 3, tabindex: 0, "data-key": key + "/" + i + "/" + k,
                                 "data-room": name, "data-tip": label,
                                 "aria-label": label},
                         svg("title", null, label));
            if (seg.room !== null) { r.setAttribute("fill", colour(m, seg.room)); }
            g.appendChild(r);
        });
        s.appendChild(g);
    });

    if (live && now >= start) {
        s.appendChild(svg("line", {class: "now", x1: x(now), x2: x(now), y1: AXIS - 20,
                                   y2: height - PAD + 4}));
        s.appendChild(svg("text", {class: "now-label", x: x(now) + 4, y: AXIS - 10,
                                   "text-anchor": "start"}, "now"));
    }

    var legend = el("ul", {class: "legend", "aria-label": "Rooms"},
        el("li", null, el("span", {class: "swatch main"}), "Main room"));
    m.rooms.forEach(function (r) {
        var sw = el("span", {class: "swatch"});
        sw.style.background = colour(m, r.no);
        legend.appendChild(el("li", null, sw, r.name));
    });

    return el("section", {class: "timeline", "aria-labelledby": key + "-tl-h"},
        el("h3", {id: key + "-tl-h"}, "Timeline"),
        legend,
        el("div", {class: "scroll"}, s),
        vis.length < people.length ? el("p", {class: "nobody"},
            (people.length - vis.length) + " rows hidden by the search") : null);
}

function clip(s, n) {
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
}


/* ------------------------------------------------------------ tooltip */

function showTip(target) {
    var tip = document.getElementById("tip");
    var text = target && target.getAttribute && target.getAttribute("data-tip");
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    tip.hidden = false;
    var r = target.getBoundingClientRect();
    var left = Math.min(window.innerWidth - tip.offsetWidth - 8,
                        Math.max(8, r.left + r.width / 2 - tip.offsetWidth / 2));
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = (r.top + window.scrollY - tip.offsetHeight - 6) + "px";
}

function hideTip() { document.getElementById("tip").hidden = true; }


/* ------------------------------------------------------------ polling */

/* same-origin credentials: behind the production site's password (README
 * "Production", step 5) the polls carry the viewer's login, and a 401 makes
 * the browser ask for it; a data= on another site still gets none */
function get(url) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); },
                           Math.min(15000, Math.max(4000, cfg.pollMs * 2)));
    return fetch(url, {cache: "no-store", signal: ctl.signal,
                       credentials: "same-origin"})
        .finally(function () { clearTimeout(timer); });
}

function httpError(r) {
    var e = new Error("HTTP " + r.status);
    e.status = r.status;
    return e;
}

/* the timeline first; no timeline file (404): the CSV */
function poll() {
    return get(cfg.json).then(function (r) {
        if (r.status === 404) { return null; }
        if (!r.ok) { throw httpError(r); }
        var date = Date.parse(r.headers.get("Date") || "");
        return r.json().then(function (j) { return {j: j, date: date}; });
    }).then(function (t) {
        if (t) {
            var model = fromTimeline(t.j);
            heartbeat(t.j, t.date);
            return model;
        }
        state.heartbeatS = 0;
        state.genAt = null;
        return get(cfg.csv).then(function (r) {
            if (!r.ok) { throw httpError(r); }
            return r.text();
        }).then(fromCsv);
    }).then(function (model) {
        state.model = model;
        state.lastOk = Date.now();
        state.lastError = "";
        render();
    }).catch(function (e) {
        state.lastError = e && e.name === "AbortError" ? "timed out"
            : e && e.message ? e.message : "unreachable";
    }).then(function () {
        status();
        setTimeout(poll, cfg.pollMs);
    });
}

/*
 * Staleness is judged on the browser's clock, from the moment a new
 * generated_at was first seen, so a browser whose clock is off does not
 * cry wolf.  The first time, the file's age comes from the server's Date
 * header when it is readable (same origin), else it counts as fresh.
 */
function heartbeat(j, date) {
    var gen = +j.generated_at || 0, now = Date.now();
    state.heartbeatS = +j.heartbeat_s > 0 ? +j.heartbeat_s : 30;
    if (j.timezone && !new URLSearchParams(location.search).get("tz")
        && !document.body.dataset.tz && cfg.tz !== j.timezone) {
        cfg.tz = String(j.timezone);
        fmtCache = {};
    }
    if (gen === state.genAt) { return; }
    var age = state.genAt === null && isFinite(date) ? Math.max(0, date - gen) : 0;
    state.genAt = gen;
    state.genSeenAt = now - age;
}

function status() {
    var now = Date.now(), upd = document.getElementById("updated");
    var warn = document.getElementById("warning"), msg = "", kind = "ok";

    /* with a heartbeat, when the tracker last confirmed the data */
    var at = state.heartbeatS && state.genAt !== null ? state.genSeenAt
        : state.lastOk;
    if (at) {
        var a = Math.round((now - at) / 1000);
        upd.textContent = "Updated " + (a < 2 ? "just now" : a + " s ago");
    } else {
        upd.textContent = state.lastError ? "No data" : "Loading…";
    }

    if (state.lastError) {
        kind = "offline";
        msg = "Cannot reach the data (" + state.lastError + ")"
            + (state.lastOk ? ": showing what it was " + span(now - state.lastOk)
               + " ago" : "") + ". Retrying every " + span(cfg.pollMs) + ".";
    } else if (state.heartbeatS && state.genAt !== null
               && now - state.genSeenAt > 3 * state.heartbeatS * 1000) {
        kind = "stale";
        msg = "No update from the tracker for " + span(now - state.genSeenAt)
            + " (it should write every " + span(state.heartbeatS * 1000)
            + "): the drainer may be stopped, so this board may be out of date.";
    }

    document.body.setAttribute("data-state", kind);
    if (warn.textContent !== msg) { warn.textContent = msg; }
    warn.hidden = !msg;
}


/* --------------------------------------------------------------- start */

function start() {
    var q = document.getElementById("q");
    document.getElementById("csv-link").setAttribute("href", cfg.csv);
    document.getElementById("json-link").setAttribute("href", cfg.json);
    document.getElementById("search").addEventListener("submit", function (e) {
        e.preventDefault();
    });
    q.addEventListener("input", function () {
        state.query = q.value.trim().toLowerCase();
        render();
    });
    var board = document.getElementById("board");
    board.addEventListener("mouseover", function (e) { showTip(e.target); });
    board.addEventListener("mouseout", hideTip);
    board.addEventListener("focusin", function (e) { showTip(e.target); });
    board.addEventListener("focusout", hideTip);
    document.addEventListener("keydown", function (e) {
        if (e.key === "Escape") { hideTip(); }
    });
    setInterval(function () { status(); }, 1000);
    poll();
}

start();

})();
