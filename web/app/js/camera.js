// The camera loop: frames from the back camera are decoded on the phone,
// with the browser's BarcodeDetector where it has one and the WebAssembly
// reader (web/wasm/qr, the server's own reader) elsewhere, so the verdict
// comes within a second of the code coming into view. The reader module
// is fetched only by a browser without BarcodeDetector, and only after the
// verifier, which a phone on 2G needs first; a small vendored reader
// (jsQR) reads the frames while the module downloads.
import { decode, decodeQuick, qrModule, quickReader, readerLoaded, module as verifierModule } from "./offline.js";

const MAX_SIDE = 960; // frames are scaled down to this before decoding
const BUDGET_MS = 250; // per frame, so the preview stays live
// A code just judged is not read again while it stays in view: the
// officer takes the paper away (the camera sees no code for this long)
// before the same paper reads again.
const GONE_MS = 1500;

// hasNativeDetector reports whether the browser reads QR codes itself.
export async function nativeDetector() {
  if (!("BarcodeDetector" in globalThis)) return null;
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new globalThis.BarcodeDetector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

// startCamera shows the camera in video and calls onCode(text) with the
// first code accept() takes, except ignore (the code just judged) until it
// has been out of view; onHint(code) with why a code-like pattern did not
// read (qr_too_small, ...) or "reader_loading" / "same_code". opts.deviceId
// picks a camera. It returns {stop, track, devices}; it also stops itself as
// soon as live() turns false.
export async function startCamera(video, { onCode, onHint, accept, ignore = "", live = () => true, deviceId = "" }) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: deviceId ? { deviceId: { exact: deviceId }, width: { ideal: 1280 }, height: { ideal: 720 } }
      : { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play();
  let stopped = false;
  const stop = () => {
    stopped = true;
    stream.getTracks().forEach((tr) => tr.stop());
    video.srcObject = null;
  };
  const track = stream.getVideoTracks()[0];
  let detector = await nativeDetector();
  let quick = false; // frames go to the quick reader until the module runs
  if (!detector) {
    // The verifier first: it is what a phone needs to check offline. Then
    // the quick reader, and the module behind it, in the background.
    onHint("reader_loading");
    try {
      await verifierModule().catch(() => {});
      if (!readerLoaded()) {
        quick = await quickReader().then(() => true, () => false);
        const full = qrModule();
        if (!quick) await full;
        else full.catch(() => {}); // the quick reader goes on reading
      }
    } catch (err) {
      stop();
      throw err;
    }
  }
  if (stopped) return { stop, track };
  document.documentElement.dataset.cameraReady = String(Date.now()); // the browser tests measure to here
  onHint("");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let lastSeenIgnored = ignore ? Date.now() : 0;

  const tick = async () => {
    if (!stopped && !live()) stop();
    if (stopped) return;
    try {
      const w = video.videoWidth, hgt = video.videoHeight;
      if (w && hgt) {
        const scale = Math.min(1, MAX_SIDE / Math.max(w, hgt));
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(hgt * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        const texts = [];
        let hint = "";
        if (detector) {
          for (const c of await detector.detect(canvas)) texts.push(c.rawValue);
        } else {
          const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
          const r = quick && !readerLoaded() ? await decodeQuick(img.data, canvas.width, canvas.height)
            : await decode(img.data, canvas.width, canvas.height, BUDGET_MS);
          for (const c of r.codes || []) texts.push(c.text);
          hint = r.hint && r.hint !== "no_qr_found" ? r.hint : "";
        }
        const now = Date.now();
        if (ignore && texts.includes(ignore)) {
          lastSeenIgnored = now;
          hint = "same_code";
        } else if (ignore && now - lastSeenIgnored > GONE_MS) {
          ignore = ""; // the paper was taken away: it may be read again
        }
        const hit = texts.find((x) => accept(x) && x !== ignore);
        if (hit && !stopped) {
          onCode(hit);
          return;
        }
        onHint(hint);
      }
    } catch {
      // A frame that fails to decode is skipped; the next one may read.
    }
    if (!stopped) setTimeout(tick, 30);
  };
  tick();
  return { stop, track };
}

// torch reports whether a camera track has a torch, and sets it.
export function hasTorch(track) {
  try { return !!(track && track.getCapabilities && track.getCapabilities().torch); } catch { return false; }
}
export async function setTorch(track, on) {
  await track.applyConstraints({ advanced: [{ torch: on }] });
}

// cameras lists the video inputs, for a switch where there are several.
export async function cameras() {
  try {
    return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
  } catch {
    return [];
  }
}
