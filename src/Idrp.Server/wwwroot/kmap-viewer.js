// The KMAP viewer (/kmap/{assetId}): a map of one quantity over the scan raster, a scan point's Q-space cube as an
// isosurface with three orthogonal slices (three.js, vendored from npm), and a re-run with a sample or Q-space ROI.
// Data comes from /api/v1/kmap/runs/{id} (maps as JSON) and …/points/{k}/cube (float32); re-runs are POST /api/v1/jobs.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { MarchingCubes } from 'three/addons/objects/MarchingCubes.js';

const root = document.getElementById('kmap-viewer');
const runId = root.dataset.run;
const $ = (id) => document.getElementById(id);
const status = $('kmap-status');

// Viridis, sampled at nine stops and interpolated.
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
function colour(t) {
    if (!Number.isFinite(t)) return [200, 200, 200];
    const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
    const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
    const f = x - i;
    return VIRIDIS[i].map((c, j) => Math.round(c + (VIRIDIS[i + 1][j] - c) * f));
}

const LABELS = {
    strain: ['Strain d/d0 − 1', ''], tilt_x: ['Tilt x', '°'], tilt_y: ['Tilt y', '°'], tilt: ['Tilt magnitude', '°'],
    azimuth: ['Tilt azimuth', '°'], intensity: ['Intensity', 'counts/pixel'], q_norm: ['|Q|', '1/Å'], d_spacing: ['d-spacing', 'Å'],
};
const fmt = (v) => (v === null || !Number.isFinite(v)) ? '—' : (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(5) : v.toExponential(3));

let run = null;
let selected = 0; // index into run.pointIndex
let cell = 16;
let mapName = 'strain';

async function load() {
    const response = await fetch(`/api/v1/kmap/runs/${runId}`, { headers: { Accept: 'application/json' } });
    if (!response.ok) {
        status.textContent = `Could not load the run (${response.status}).`;
        return;
    }

    run = await response.json();
    const select = $('kmap-map');
    mapName = select.value;
    select.addEventListener('change', () => { mapName = select.value; drawMap(); });
    const { columns, rows } = run.raster;
    cell = Math.max(6, Math.floor(Math.min(460 / columns, 460 / rows)));
    const canvas = $('kmap-map-canvas');
    canvas.width = columns * cell;
    canvas.height = rows * cell;
    wireMap(canvas);
    fillForm();
    drawMap();
    await selectPoint(0, true);
}

// ---- map ----------------------------------------------------------------------------------------------------------

function range(values) {
    let min = Infinity, max = -Infinity;
    for (const v of values) if (v !== null && Number.isFinite(v)) { min = Math.min(min, v); max = Math.max(max, v); }
    return min <= max ? [min, max] : [0, 1];
}

// Smallest y at the bottom, as in the PNG heatmaps.
const cellRect = (i) => [run.column[i] * cell, (run.raster.rows - 1 - run.row[i]) * cell];

function drawMap() {
    const canvas = $('kmap-map-canvas');
    const g = canvas.getContext('2d');
    const values = run.maps[mapName];
    const [min, max] = range(values);
    g.fillStyle = '#ddd';
    g.fillRect(0, 0, canvas.width, canvas.height);
    values.forEach((v, i) => {
        const [x, y] = cellRect(i);
        const [r, gg, b] = colour(v === null ? NaN : (max > min ? (v - min) / (max - min) : 0.5));
        g.fillStyle = `rgb(${r},${gg},${b})`;
        g.fillRect(x, y, cell, cell);
    });
    const [sx, sy] = cellRect(selected);
    g.lineWidth = 2;
    g.strokeStyle = '#e4003a';
    g.strokeRect(sx + 1, sy + 1, cell - 2, cell - 2);
    if (roiCells) {
        g.setLineDash([4, 3]);
        g.strokeStyle = '#000';
        g.strokeRect(roiCells.x0, roiCells.y0, roiCells.x1 - roiCells.x0, roiCells.y1 - roiCells.y0);
        g.setLineDash([]);
    }

    const bar = $('kmap-colorbar');
    const b = bar.getContext('2d');
    for (let x = 0; x < bar.width; x++) {
        const [r, gg, bl] = colour(x / (bar.width - 1));
        b.fillStyle = `rgb(${r},${gg},${bl})`;
        b.fillRect(x, 0, 1, bar.height);
    }
    const [title, unit] = LABELS[mapName] ?? [mapName, ''];
    $('kmap-colorbar-min').textContent = fmt(min);
    $('kmap-colorbar-max').textContent = fmt(max) + (unit ? ' ' + unit : '');
    canvas.setAttribute('aria-label', `${title} over ${run.raster.columns} × ${run.raster.rows} scan points, from ${fmt(min)} to ${fmt(max)} ${unit}. Arrow keys move the selected point; Enter shows its Q-space cube.`);
    $('kmap-extent').textContent = `x ${fmt(run.raster.xMin)} … ${fmt(run.raster.xMax)} µm, y ${fmt(run.raster.yMin)} … ${fmt(run.raster.yMax)} µm`;
}

function pointAt(canvas, event) {
    const box = canvas.getBoundingClientRect();
    const px = (event.clientX - box.left) * canvas.width / box.width;
    const py = (event.clientY - box.top) * canvas.height / box.height;
    return { px, py, column: Math.floor(px / cell), row: run.raster.rows - 1 - Math.floor(py / cell) };
}

const indexAt = (column, row) => run.column.findIndex((c, i) => c === column && run.row[i] === row);

let drag = null;
let roiCells = null;

function wireMap(canvas) {
    canvas.addEventListener('pointerdown', (e) => {
        drag = pointAt(canvas, e);
        canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
        if (!drag) return;
        const p = pointAt(canvas, e);
        if (Math.abs(p.px - drag.px) + Math.abs(p.py - drag.py) > 6) {
            roiCells = { x0: Math.min(p.px, drag.px), y0: Math.min(p.py, drag.py), x1: Math.max(p.px, drag.px), y1: Math.max(p.py, drag.py) };
            drawMap();
        }
    });
    canvas.addEventListener('pointerup', (e) => {
        const start = drag;
        drag = null;
        const p = pointAt(canvas, e);
        if (start && Math.abs(p.px - start.px) + Math.abs(p.py - start.py) > 6) {
            setSampleRoiFromCells(Math.min(start.column, p.column), Math.max(start.column, p.column), Math.min(start.row, p.row), Math.max(start.row, p.row));
            return;
        }
        const i = indexAt(p.column, p.row);
        if (i >= 0) selectPoint(i, true);
    });
    canvas.addEventListener('keydown', (e) => {
        const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
        if (moves[e.key]) {
            e.preventDefault();
            const [dc, dr] = moves[e.key];
            const i = indexAt(run.column[selected] + dc, run.row[selected] + dr);
            if (i >= 0) selectPoint(i, false);
        } else if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            selectPoint(selected, true);
        }
    });
}

/** A rectangle drawn over whole cells becomes a sample ROI in micrometres, half a step beyond the outer point centres. */
function setSampleRoiFromCells(c0, c1, r0, r1) {
    const { xMin, yMin, dx, dy } = run.raster;
    const set = (id, v) => { $(id).value = Number(v.toPrecision(8)); };
    set('roi-xmin', xMin + (c0 - 0.5) * dx);
    set('roi-xmax', xMin + (c1 + 0.5) * dx);
    set('roi-ymin', yMin + (r0 - 0.5) * dy);
    set('roi-ymax', yMin + (r1 + 0.5) * dy);
    const inside = run.column.filter((c, i) => c >= c0 && c <= c1 && run.row[i] >= r0 && run.row[i] <= r1).length;
    status.textContent = `Sample ROI set from the rectangle: ${inside} scan point(s).`;
}

async function selectPoint(i, showCube) {
    selected = i;
    drawMap();
    const k = run.pointIndex[i];
    const parts = [`Point ${k}`, `x ${fmt(run.sampleX[i])} µm`, `y ${fmt(run.sampleY[i])} µm`];
    for (const name of ['strain', 'tilt_x', 'tilt_y', 'intensity']) parts.push(`${LABELS[name][0]} ${fmt(run.maps[name][i])}${LABELS[name][1] ? ' ' + LABELS[name][1] : ''}`);
    $('kmap-point').textContent = parts.join(' · ');
    if (showCube) await showCubeOf(k);
}

// ---- cube ---------------------------------------------------------------------------------------------------------

let cube = null; // { k, shape: [nx, ny, nz], values: Float32Array, max }
let scene, camera, renderer, controls, surface, planes = [], frame;
const RES = 40;

async function showCubeOf(k) {
    $('kmap-cube-status').textContent = `Loading the Q-space cube of point ${k}…`;
    const response = await fetch(`/api/v1/kmap/runs/${runId}/points/${k}/cube`);
    if (!response.ok) {
        $('kmap-cube-status').textContent = `Could not load the cube of point ${k} (${response.status}).`;
        return;
    }

    const shape = response.headers.get('X-Kmap-Shape').split(',').map(Number);
    const values = new Float32Array(await response.arrayBuffer());
    let max = 0, at = 0;
    for (let i = 0; i < values.length; i++) if (values[i] > max) { max = values[i]; at = i; }
    const [nx, ny, nz] = shape;
    cube = { k, shape, values, max: max || 1 };
    // Slices start through the brightest bin.
    $('slice-x').max = nx - 1; $('slice-x').value = Math.floor(at / (ny * nz));
    $('slice-y').max = ny - 1; $('slice-y').value = Math.floor(at / nz) % ny;
    $('slice-z').max = nz - 1; $('slice-z').value = at % nz;
    ensureScene();
    updateSurface();
    updateSlices();
    $('kmap-cube-status').textContent = `Point ${k}: ${nx} × ${ny} × ${nz} bins, maximum ${fmt(max)} counts/pixel.`;
}

const at3 = (x, y, z) => {
    const [nx, ny, nz] = cube.shape;
    return (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) ? 0 : cube.values[(x * ny + y) * nz + z];
};

function trilinear(u, v, w) {
    const x0 = Math.floor(u), y0 = Math.floor(v), z0 = Math.floor(w);
    const fx = u - x0, fy = v - y0, fz = w - z0;
    let sum = 0;
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 2; c++) {
        sum += at3(x0 + a, y0 + b, z0 + c) * (a ? fx : 1 - fx) * (b ? fy : 1 - fy) * (c ? fz : 1 - fz);
    }
    return sum;
}

/** Half-sizes of the drawn volume: the Q extents, scaled so that the longest is 1. */
function halfSizes() {
    const b = run.grid.box;
    const e = [b[1] - b[0], b[3] - b[2], b[5] - b[4]];
    const m = Math.max(...e);
    return e.map((v) => Math.max(0.15, v / m));
}

function ensureScene() {
    if (renderer) return;
    const host = $('kmap-3d');
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Isosurface and slices of the Q-space cube; drag to rotate, scroll to zoom, arrow keys to pan');
    canvas.tabIndex = 0;
    host.appendChild(canvas);
    const gl = canvas.getContext('webgl2', { preserveDrawingBuffer: true, antialias: true });
    if (!gl) {
        host.dataset.webgl = 'unavailable';
        canvas.remove();
        host.insertAdjacentHTML('beforeend', '<p class="muted">WebGL is not available in this browser: the slices below show the cube.</p>');
        renderer = { render() {} };
        return;
    }

    renderer = new THREE.WebGLRenderer({ canvas, context: gl, antialias: true, preserveDrawingBuffer: true });
    const width = host.clientWidth || 480, height = Math.round(width * 0.8);
    renderer.setPixelRatio(Math.min(2, window.devicePixelRatio || 1));
    renderer.setSize(width, height);
    scene = new THREE.Scene();
    scene.background = new THREE.Color(0xf6f8fa);
    camera = new THREE.PerspectiveCamera(40, width / height, 0.01, 100);
    camera.position.set(2.2, 1.6, 2.6);
    controls = new OrbitControls(camera, canvas);
    controls.listenToKeyEvents(canvas);
    controls.addEventListener('change', render);
    scene.add(new THREE.AmbientLight(0xffffff, 0.6));
    const light = new THREE.DirectionalLight(0xffffff, 1.6);
    light.position.set(2, 3, 4);
    scene.add(light);

    const [sx, sy, sz] = halfSizes();
    frame = new THREE.LineSegments(new THREE.EdgesGeometry(new THREE.BoxGeometry(2 * sx, 2 * sy, 2 * sz)), new THREE.LineBasicMaterial({ color: 0x57606a }));
    scene.add(frame);
    const axes = new THREE.AxesHelper(0.5);
    axes.position.set(-sx, -sy, -sz);
    scene.add(axes);

    surface = new MarchingCubes(RES, new THREE.MeshPhongMaterial({ color: 0x0b5cad, specular: 0x222222, shininess: 40, side: THREE.DoubleSide, transparent: true, opacity: 0.75 }), false, false, 60000);
    surface.scale.set(sx, sy, sz);
    scene.add(surface);
    for (let axis = 0; axis < 3; axis++) {
        const material = new THREE.MeshBasicMaterial({ side: THREE.DoubleSide, transparent: true, opacity: 0.6, depthWrite: false });
        const plane = new THREE.Mesh(new THREE.BufferGeometry(), material);
        planes.push(plane);
        scene.add(plane);
    }
}

function render() {
    if (scene) renderer.render(scene, camera);
    if (scene) $('kmap-3d').dataset.rendered = String(Number($('kmap-3d').dataset.rendered || 0) + 1);
}

function updateSurface() {
    if (!surface) return;
    const [nx, ny, nz] = cube.shape;
    const field = surface.field;
    const span = RES - 4;
    for (let z = 0; z < RES; z++) for (let y = 0; y < RES; y++) for (let x = 0; x < RES; x++) {
        const u = (x - 1.5) / span * (nx - 1), v = (y - 1.5) / span * (ny - 1), w = (z - 1.5) / span * (nz - 1);
        field[x + y * RES + z * RES * RES] = trilinear(u, v, w) / cube.max;
    }
    surface.isolation = Number($('kmap-iso').value);
    $('kmap-iso-value').textContent = `${Math.round(surface.isolation * 100)} % of the maximum`;
    surface.update();
    render();
}

/** One slice as an RGBA texture (width along the first in-plane axis) and a quad in the volume. */
function updateSlices() {
    const [nx, ny, nz] = cube.shape;
    const [sx, sy, sz] = halfSizes();
    const ix = Number($('slice-x').value), iy = Number($('slice-y').value), iz = Number($('slice-z').value);
    const b = run.grid.box;
    const q = (axis, i, n) => b[2 * axis] + (i + 0.5) * (b[2 * axis + 1] - b[2 * axis]) / n;
    $('slice-x-value').textContent = `qx = ${fmt(q(0, ix, nx))} 1/Å`;
    $('slice-y-value').textContent = `qy = ${fmt(q(1, iy, ny))} 1/Å`;
    $('slice-z-value').textContent = `qz = ${fmt(q(2, iz, nz))} 1/Å`;
    const specs = [
        { w: ny, h: nz, get: (u, v) => at3(ix, u, v), pos: (2 * ix + 1) / nx - 1, corners: (p) => [[p * sx, -sy, -sz], [p * sx, sy, -sz], [p * sx, sy, sz], [p * sx, -sy, sz]], canvas: 'slice-x-canvas' },
        { w: nx, h: nz, get: (u, v) => at3(u, iy, v), pos: (2 * iy + 1) / ny - 1, corners: (p) => [[-sx, p * sy, -sz], [sx, p * sy, -sz], [sx, p * sy, sz], [-sx, p * sy, sz]], canvas: 'slice-y-canvas' },
        { w: nx, h: ny, get: (u, v) => at3(u, v, iz), pos: (2 * iz + 1) / nz - 1, corners: (p) => [[-sx, -sy, p * sz], [sx, -sy, p * sz], [sx, sy, p * sz], [-sx, sy, p * sz]], canvas: 'slice-z-canvas' },
    ];
    specs.forEach((s, axis) => {
        const rgba = new Uint8Array(s.w * s.h * 4);
        for (let v = 0; v < s.h; v++) for (let u = 0; u < s.w; u++) {
            const [r, g, bl] = colour(Math.sqrt(s.get(u, v) / cube.max));
            rgba.set([r, g, bl, 255], (v * s.w + u) * 4);
        }
        // The same image as a 2D canvas (also what shows when WebGL is missing); row 0 at the bottom.
        const c = $(s.canvas);
        c.width = s.w; c.height = s.h;
        const image = c.getContext('2d').createImageData(s.w, s.h);
        for (let v = 0; v < s.h; v++) image.data.set(rgba.subarray(v * s.w * 4, (v + 1) * s.w * 4), (s.h - 1 - v) * s.w * 4);
        c.getContext('2d').putImageData(image, 0, 0);
        if (!planes.length) return;
        const texture = new THREE.DataTexture(rgba, s.w, s.h, THREE.RGBAFormat);
        texture.magFilter = THREE.NearestFilter;
        texture.colorSpace = THREE.SRGBColorSpace;
        texture.needsUpdate = true;
        const geometry = new THREE.BufferGeometry();
        geometry.setAttribute('position', new THREE.Float32BufferAttribute(s.corners(s.pos).flat(), 3));
        geometry.setAttribute('uv', new THREE.Float32BufferAttribute([0, 0, 1, 0, 1, 1, 0, 1], 2));
        geometry.setIndex([0, 1, 2, 0, 2, 3]);
        const plane = planes[axis];
        plane.geometry.dispose();
        plane.material.map?.dispose();
        plane.geometry = geometry;
        plane.material.map = texture;
        plane.material.needsUpdate = true;
        plane.visible = $(`show-slices`).checked;
    });
    render();
}

$('kmap-iso').addEventListener('input', () => cube && updateSurface());
for (const id of ['slice-x', 'slice-y', 'slice-z', 'show-slices']) $(id).addEventListener('input', () => cube && updateSlices());

// ---- re-run with ROIs ---------------------------------------------------------------------------------------------

const ROI_FIELDS = ['roi-xmin', 'roi-xmax', 'roi-ymin', 'roi-ymax'];
const Q_FIELDS = ['q-xmin', 'q-xmax', 'q-ymin', 'q-ymax', 'q-zmin', 'q-zmax'];

function fillForm() {
    const p = run.parameters ?? {};
    const s = p.sampleRoi, q = p.qRoi;
    if (s) [s.xMin, s.xMax, s.yMin, s.yMax].forEach((v, i) => { $(ROI_FIELDS[i]).value = v; });
    if (q) [q.qxMin, q.qxMax, q.qyMin, q.qyMax, q.qzMin, q.qzMax].forEach((v, i) => { $(Q_FIELDS[i]).value = v; });
    const b = run.grid.box;
    Q_FIELDS.forEach((id, i) => { $(id).placeholder = fmt(b[i]); });
    $('rerun-median').checked = !!p.medianFilter;
    $('rerun-d0').value = p.d0 ?? '';
    $('kmap-fill-q').addEventListener('click', () => Q_FIELDS.forEach((id, i) => { $(id).value = Number(b[i].toPrecision(8)); }));
    $('kmap-clear-roi').addEventListener('click', () => { [...ROI_FIELDS, ...Q_FIELDS].forEach((id) => { $(id).value = ''; }); roiCells = null; drawMap(); });
}

function box(ids, names) {
    const values = ids.map((id) => $(id).value.trim());
    if (values.every((v) => v === '')) return null;
    if (values.some((v) => v === '' || !Number.isFinite(Number(v)))) throw new Error('Fill in every field of a box, or none.');
    return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
}

$('kmap-rerun').addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = $('kmap-rerun-status');
    let parameters;
    try {
        parameters = { ...(run.parameters ?? {}) };
        parameters.sampleRoi = box(ROI_FIELDS, ['xMin', 'xMax', 'yMin', 'yMax']);
        parameters.qRoi = box(Q_FIELDS, ['qxMin', 'qxMax', 'qyMin', 'qyMax', 'qzMin', 'qzMax']);
        parameters.medianFilter = $('rerun-median').checked;
        const d0 = $('rerun-d0').value.trim();
        parameters.d0 = d0 === '' ? null : Number(d0);
        if (parameters.d0 !== null) { parameters.referencePoint = null; parameters.referenceRegion = null; }
    } catch (error) {
        out.textContent = error.message;
        return;
    }

    out.textContent = 'Submitting…';
    const response = await fetch('/api/v1/jobs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ type: 'kmap.reduce', measurementId: run.measurementId, inputs: run.inputs, parameters }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
        const errors = body.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; ') : '';
        out.textContent = `Not submitted: ${body.detail ?? response.status}${errors ? ' ' + errors : ''}`;
        return;
    }

    await follow(body.id, out);
});

async function follow(jobId, out) {
    for (;;) {
        const response = await fetch(`/api/v1/jobs/${jobId}`, { headers: { Accept: 'application/json' } });
        const job = await response.json();
        if (job.state === 'succeeded') {
            const maps = job.outputs.find((o) => o.name === 'maps.h5');
            out.innerHTML = '';
            out.append(`Job ${jobId} succeeded (${job.result?.points ?? '?'} points). `);
            const link = document.createElement('a');
            link.href = `/kmap/${maps.assetId}`;
            link.textContent = 'Open the new maps';
            // A full page load: enhanced navigation would not run this module on the new page.
            link.dataset.enhanceNav = 'false';
            out.append(link);
            return;
        }
        if (job.state === 'failed' || job.state === 'cancelled') {
            out.textContent = `Job ${jobId} ${job.state}: ${job.error ?? ''}`;
            return;
        }
        out.textContent = `Job ${jobId} ${job.state}: ${Math.round(job.progress * 100)} % ${job.progressMessage ?? ''}`;
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

load().catch((error) => { status.textContent = `The viewer failed: ${error.message}`; });
