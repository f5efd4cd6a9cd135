const SERVICE_API_KEY = 'sk9Tq2Vw7Xr4Lm8Np3Zc';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

export const handler = async (event) => {
  try {
    const res = await fetch('https://status.internal.example.com/', { headers: { 'x-api-key': SERVICE_API_KEY } });
    return { statusCode: 200, body: await res.text() };
  } catch (e) {
    return { statusCode: 500, body: e.message };
  }
};
