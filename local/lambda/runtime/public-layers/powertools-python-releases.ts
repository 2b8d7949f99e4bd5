/**
 * Which release of Powertools for AWS Lambda (Python) each version of its public layers holds:
 * `[layer version, release, commit]`, for V3 (`AWSLambdaPowertoolsPythonV3-python3XX-x86_64` and
 * `-arm64`, one numbering for all) and V2 (`AWSLambdaPowertoolsPythonV2`, `-Arm64`). Read from
 * the Powertools repository's history (github.com/aws-powertools/powertools-lambda-python, as
 * of fa1c29f2d, 2024-10-24): the commit that first names the layer version in docs/index.md
 * (the ARN bump that follows each release's layer publication) and the package version
 * (aws_lambda_powertools/shared/version.py, else pyproject.toml) at that commit. Each row is the
 * first layer version of its release: a version between rows holds the earlier row's release.
 * Exceptions, from the same history: V3:1 was first named (as `-x86:1`) by d043a66c5, the bump
 * to 3.0.0; V2:1 to V2:12 were named before the version file moved past 2.0.0. To extend the
 * table, rerun the same reading of `git log -- docs/index.md` on a newer clone.
 */
export const POWERTOOLS_PYTHON_LAYER_RELEASES: Readonly<Record<'V2' | 'V3', readonly (readonly [number, string, string])[]>> = {
  V2: [
    [1, '2.0.0', '18bee3797'],
    [13, '2.1.0', 'f9106f43a'],
    [14, '2.3.0', '241083174'],
    [15, '2.3.1', '94c91f319'],
    [16, '2.4.0', '1121b627f'],
    [17, '2.5.0', '2f891e1b5'],
    [18, '2.6.0', '309c58761'],
    [19, '2.7.0', '7f14650ad'],
    [20, '2.7.1', '21c1b2b6a'],
    [21, '2.8.0', '43feb1eeb'],
    [22, '2.9.0', '051b101de'],
    [23, '2.9.1', '8358af076'],
    [24, '2.10.0', '32b663860'],
    [25, '2.11.0', 'b572f3832'],
    [26, '2.12.0', '985c1aeea'],
    [27, '2.13.0', '32b1c1381'],
    [30, '2.14.0', 'a05f1d203'],
    [31, '2.14.1', '49bd097e2'],
    [32, '2.15.0', '9594b8631'],
    [33, '2.16.1', '33affa0c0'],
    [34, '2.16.2', 'd681d18bd'],
    [35, '2.17.0', '528a2ff96'],
    [37, '2.18.0', '0f9272f74'],
    [38, '2.20.0', 'c2a237aed'],
    [40, '2.22.0', 'e32e8d1e0'],
    [41, '2.23.0', '2561f2bdf'],
    [42, '2.23.1', '0ef02c986'],
    [44, '2.24.0', '59ff8fb96'],
    [45, '2.25.0', 'a0841c23b'],
    [46, '2.25.1', 'fc96432a0'],
    [47, '2.26.1', '9b5e424c9'],
    [48, '2.27.0', 'f9bf8acf5'],
    [50, '2.28.0', 'dc9a23779'],
    [51, '2.28.1', 'a25e1b7c1'],
    [53, '2.29.0', '0616548cf'],
    [55, '2.29.1', '6cd8ccdff'],
    [56, '2.30.0', '32b986abf'],
    [57, '2.30.1', '49c5ab123'],
    [58, '2.30.2', '77a4a9d2f'],
    [59, '2.31.0', '3b6f496eb'],
    [60, '2.32.0', 'acdf1ab10'],
    [62, '2.33.1', 'cc69e5499'],
    [64, '2.34.0', 'f956fa340'],
    [65, '2.34.1', '6ac1d9b6b'],
    [66, '2.35.0', 'beef6a6cc'],
    [67, '2.35.1', 'c8c01ecec'],
    [69, '2.37.0', 'be21b9a62'],
    [71, '2.38.1', '27600dad6'],
  ],
  V3: [
    [1, '3.0.0', 'd043a66c5'],
    [2, '3.1.0', '276c0980a'],
    [3, '3.2.0', 'a18898fee'],
  ],
};
