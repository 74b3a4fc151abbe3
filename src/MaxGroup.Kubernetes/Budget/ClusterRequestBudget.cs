using System.Globalization;
using MaxGroup.Core.Ports;

namespace MaxGroup.Kubernetes.Budget;

/// <summary>
/// This function instance's draw on one cluster's shared API budget (<see cref="IClusterRequestWindows"/>): every
/// request takes a grant of the current quarter-second window first, a few at a time. A window allows
/// <see cref="PerWindow"/> requests, chosen so that no 1-second span at the API server sees more than
/// <see cref="Qps"/>, whatever the number of drain invocations (a 1 s span touches at most five such windows, and one
/// more is kept as slack for requests that reach the server late in the next window).
/// </summary>
/// <remarks>
/// When the windows cannot be reached (the ledger table throttles or is down), the drain goes on under the
/// instance's own <see cref="ApiRateBudget"/> for <see cref="UnavailablePause"/> and says so through
/// <c>onUnavailable</c>: a node left undrained costs more than a short overshoot of the budget.
/// </remarks>
public sealed class ClusterRequestBudget
{
    public const string QpsVariable = "MAXGROUP_K8S_CLUSTER_QPS";
    public const double DefaultQps = 50;

    /// <summary>The smallest budget: one request per window, five windows in a second plus one of slack.</summary>
    public const double MinimumQps = 6;
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan UnavailablePause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WindowRecordLifetime = TimeSpan.FromHours(1);

    private readonly IClusterRequestWindows _windows;
    private readonly string _cluster;
    private readonly TimeProvider _clock;
    private readonly Action<Exception> _onUnavailable;
    private readonly int _batch;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _window = -1;
    private int _granted;
    private DateTimeOffset _unavailableUntil = DateTimeOffset.MinValue;

    public ClusterRequestBudget(IClusterRequestWindows windows, string cluster, double qps, TimeProvider clock, Action<Exception> onUnavailable)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        ArgumentOutOfRangeException.ThrowIfLessThan(qps, MinimumQps);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(onUnavailable);
        _windows = windows;
        _cluster = cluster;
        _clock = clock;
        _onUnavailable = onUnavailable;
        Qps = qps;
        double windowSeconds = Window.TotalSeconds;
        // A 1 s span touches at most five windows; one more is slack for a request granted late in its window that
        // reaches the API server in the next.
        PerWindow = (int)Math.Floor(qps * windowSeconds / (1 + (2 * windowSeconds)));
        // A few grants per call keep the ledger calls well below the API calls; more would strand grants in
        // instances that end their window with some unused.
        _batch = Math.Max(1, PerWindow / 5);
    }

    /// <summary>The most requests in any 1-second span at the API server, all instances together.</summary>
    public double Qps { get; }

    /// <summary>How many requests one window allows, all instances together.</summary>
    public int PerWindow { get; }

    /// <summary>Reads MAXGROUP_K8S_CLUSTER_QPS: unset = <see cref="DefaultQps"/>; `0` or `off` = no shared budget (null); below <see cref="MinimumQps"/> is an error.</summary>
    public static double? QpsFromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? text = environment(QpsVariable)?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return DefaultQps;
        }

        if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double qps) && (qps == 0 || qps >= MinimumQps)
            ? (qps == 0 ? null : qps)
            : throw new FormatException($"{QpsVariable} must be a number of requests per second of at least {MinimumQps}, or 0 or off (no shared budget); got '{text}'");
    }

    /// <summary>Waits until a grant of the cluster's current window is this instance's, and uses it.</summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int refusals = 0;
            while (true)
            {
                DateTimeOffset now = _clock.GetUtcNow();
                long window = now.ToUnixTimeMilliseconds() / (long)Window.TotalMilliseconds;
                if (window == _window && _granted > 0)
                {
                    _granted--;
                    return;
                }

                if (now < _unavailableUntil)
                {
                    return;
                }

                int granted;
                try
                {
                    granted = await _windows.TakeAsync(_cluster, window, _batch, PerWindow, now + WindowRecordLifetime, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _unavailableUntil = now + UnavailablePause;
                    _onUnavailable(ex);
                    return;
                }

                if (granted > 0)
                {
                    _window = window;
                    _granted = granted - 1;
                    refusals = 0;
                    return;
                }

                // The window is spent: ask again in the next one, after a jitter that shrinks as refusals repeat, so
                // that the instances that waited longest ask first and the others do not all ask at once.
                refusals++;
                long nextStart = (window + 1) * (long)Window.TotalMilliseconds;
                double jitter = Random.Shared.NextDouble() * Window.TotalMilliseconds / (2 * refusals);
                TimeSpan wait = TimeSpan.FromMilliseconds(nextStart - now.ToUnixTimeMilliseconds() + jitter);
                await Task.Delay(wait, _clock, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
