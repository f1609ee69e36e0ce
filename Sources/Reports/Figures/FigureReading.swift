/// How to read each figure type, for the captions file: what a well-behaved estimator
/// looks like in it, so a reader knows what to look for.
enum FigureReading {
    static let hints: [String: String] = [
        "bias": "A whisker that crosses the dashed zero line is a bias the Monte Carlo error cannot tell from none.",
        "coverage": "Intervals of the right width put coverage inside the dotted band around 0.95; left of it they are too narrow.",
        "ratio-bias": "Turning points and shifts are ratios without finite moments: the median bias is their location measure.",
        "ratio-coverage": "A whole-line Fieller set always covers, so coverage near 0.95 with many unbounded sets says the data barely locate the turning point.",
        "curves": "The solid truth inside the grey band means the replications bracket it; a dashed mean away from the truth is bias.",
        "curves-by-d": "Truth lines that move apart show the moderator D shifting the curve; dashed estimates that follow them show the estimator recovering it.",
        "turning-points": "Mass outside the shaded support estimates a turning point the data never show; unbounded Fieller sets and wrong-shape shares say how often.",
        "utest": "Where the truth is a U the rate is power (higher is better); where it is not, it is size and should stay near the dashed α.",
        "utest-power": "Power rising with the factor shows how detectable the U is (the mean noncentrality of each cell is in the data file).",
        "nlp-bias": "Each step is one design cell; read a factor's effect where its staircase below changes level.",
        "nlp-coverage": "Each step is one design cell; steps far below the dashed 0.95 point to the factors that break the intervals.",
        "w-heatmap": "Rows are the true W, columns the estimators' W: a column that stays light under every true W is robust to the choice of W.",
        "zip": "About 5% of intervals (dark) should miss, all above the dotted 95th centile; misses on one side show bias, too many show narrow intervals.",
    ]
}
