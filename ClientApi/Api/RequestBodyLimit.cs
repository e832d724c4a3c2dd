using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PaymentNotifications.Api;

/// <summary>
/// Caps request bodies at <see cref="ApiOptions.MaxRequestBodyBytes"/>: a declared Content-Length over the cap is
/// refused at once with 413; a body without one (chunked) fails with 413 as soon as a read passes the cap, whatever
/// the server (Kestrel's own limit is set too, but in-process hosts have none).
/// </summary>
public static class RequestBodyLimit
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return ApiProblems.TooLarge(context).ExecuteAsync(context);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
        context.Request.Body = new CappedStream(context.Request.Body, limit);
        return next(context);
    }

    /// <summary>True when the request carries body bytes, declared or not; reads at most one byte to find out.</summary>
    public static async ValueTask<bool> HasBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is { } length)
        {
            return length > 0;
        }
        var probe = new byte[1];
        return await request.Body.ReadAsync(probe, request.HttpContext.RequestAborted) > 0;
    }

    private sealed class CappedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            return read;
        }
    }
}
