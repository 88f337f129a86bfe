import { describe, expect, it } from "vitest";
import {
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  xyahToXyxy,
  xyxyToXyah,
} from "../../../src/tracking/kalman.js";

// Reference values: ByteTrack's yolox/tracker/kalman_filter.py (numpy + scipy cho_solve), run on
// the same inputs.
function close(actual: ArrayLike<number>, expected: readonly number[], digits = 9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

describe("Kalman filter (ByteTrack xyah)", () => {
  it("converts boxes to xyah and back", () => {
    const xyah = xyxyToXyah(10, 20, 50, 100);
    close(xyah, [30, 60, 0.5, 80]);
    close(xyahToXyxy(xyah), [10, 20, 50, 100]);
  });

  it("initiates and predicts one frame like the reference", () => {
    const s = kalmanInitiate([100, 50, 0.5, 80]);
    close(s.mean, [100, 50, 0.5, 80, 0, 0, 0, 0]);
    kalmanPredict(s, 1);
    const diag = Array.from({ length: 8 }, (_, k) => s.covariance[k * 9]!);
    close(diag, [105, 105, 0.00020000010000000002, 105, 25.25, 25.25, 2.0000000000000003e-10, 25.25]);
    expect(s.covariance[0 * 8 + 4]).toBeCloseTo(25, 9);
    expect(s.covariance[4 * 8 + 0]).toBeCloseTo(25, 9);
  });

  it("updates like the reference over two steps", () => {
    const s = kalmanInitiate([100, 50, 0.5, 80]);
    kalmanPredict(s);
    kalmanUpdate(s, [104, 51, 0.52, 82]);
    close(
      s.mean,
      [
        103.47107438016529, 50.86776859504132, 0.5003921570549789, 81.73553719008264, 0.8264462809917357,
        0.20661157024793392, 1.9607842945021163e-10, 0.41322314049586784,
      ],
    );
    expect(s.covariance[0]).toBeCloseTo(13.884297520661164, 9);
    expect(s.covariance[4]).toBeCloseTo(3.3057851239669382, 9);
    expect(s.covariance[4 * 8 + 4]).toBeCloseTo(20.08471074380165, 9);
    expect(s.covariance[2 * 8 + 6]).toBeCloseTo(9.803921472510575e-11, 15);
    kalmanPredict(s);
    kalmanUpdate(s, [108, 52.5, 0.51, 83]);
    close(
      s.mean,
      [
        107.15762826966129, 52.17564927793878, 0.5006684449291173, 82.80632971378374, 1.9943342258226,
        0.6563005668624966, 4.741953630843481e-10, 0.6817330920976069,
      ],
    );
    const diag = Array.from({ length: 8 }, (_, k) => s.covariance[k * 9]!);
    close(
      diag.filter((_, k) => k !== 2 && k !== 6),
      [
        13.032621020311218, 13.032621020311218, 13.032621020311218, 12.96751735058312, 12.96751735058312,
        12.96751735058312,
      ],
    );
    expect(s.covariance[1 * 8 + 5]).toBeCloseTo(5.321702209355205, 9);
  });

  it("scales the step by dt: position moves v·dt, process noise grows linearly", () => {
    const a = kalmanInitiate([100, 50, 0.5, 80]);
    a.mean[4] = 3;
    const b = kalmanInitiate([100, 50, 0.5, 80]);
    b.mean[4] = 3;
    kalmanPredict(a, 2);
    kalmanPredict(b, 1);
    kalmanPredict(b, 1);
    expect(a.mean[0]).toBeCloseTo(106, 12);
    expect(b.mean[0]).toBeCloseTo(106, 12);
    // dt = 2 in one step vs two steps of 1: same mean, covariance of the same magnitude.
    expect(a.covariance[0]! / b.covariance[0]!).toBeGreaterThan(0.8);
    expect(a.covariance[0]! / b.covariance[0]!).toBeLessThan(1.2);
    const c = kalmanInitiate([100, 50, 0.5, 80]);
    kalmanPredict(c, 0);
    close(c.covariance, Array.from(kalmanInitiate([100, 50, 0.5, 80]).covariance));
  });
});
