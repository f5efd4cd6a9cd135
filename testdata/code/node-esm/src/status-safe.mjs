const SERVICE_API_KEY = process.env.SERVICE_API_KEY;

export const handler = async (event) => {
  try {
    const res = await fetch('https://status.internal.example.com/', { headers: { 'x-api-key': SERVICE_API_KEY } });
    return { statusCode: 200, body: await res.text() };
  } catch (e) {
    console.error(e);
    return { statusCode: 500, body: 'internal error' };
  }
};
