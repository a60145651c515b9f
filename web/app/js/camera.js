// The camera loop: frames from the back camera are decoded on the phone,
// with the browser's BarcodeDetector where it has one and the WebAssembly
// reader (package scan, the same reader as the server's) elsewhere, so the
// verdict comes within a second of the code coming into view.
import { decode, qrModule } from "./offline.js";

const MAX_SIDE = 960; // frames are scaled down to this before decoding
const BUDGET_MS = 250; // per frame, so the preview stays live

// startCamera shows the camera in video and calls onCode(text) with the
// first code accept() takes, onHint(code) with why a code-like pattern did
// not read (qr_too_small, ...). It returns a function that stops it; it
// also stops itself as soon as live() turns false.
export async function startCamera(video, { onCode, onHint, accept, live = () => true }) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play();
  let stopped = false;
  const stop = () => {
    stopped = true;
    stream.getTracks().forEach((tr) => tr.stop());
    video.srcObject = null;
  };
  // Without a decoder there is no point showing the camera: the caller
  // offers the photo instead.
  let detector;
  try {
    detector = (await nativeDetector()) || (await qrModule(), null);
  } catch (err) {
    stop();
    throw err;
  }
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });

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
          const r = await decode(img.data, canvas.width, canvas.height, BUDGET_MS);
          for (const c of r.codes || []) texts.push(c.text);
          hint = r.hint && r.hint !== "no_qr_found" ? r.hint : "";
        }
        const hit = texts.find(accept);
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
  return stop;
}

async function nativeDetector() {
  if (!("BarcodeDetector" in globalThis)) return null;
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code") ? new globalThis.BarcodeDetector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}
